import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowBotKeys, CurrentPrincipal, Principal } from '@fjord/auth';
import { ChatInput } from '../http/chat-input.interceptor';
import { ARK_BOT_FORMAT } from './ark-bot-chat.responses';
import { OpenAiChatDto } from './bots.dto';
import { OpenAiChatResponder } from './openai-chat.responder';
import { ApiJsonOkOrStream } from '../http/api-docs';
import { arkBotChunkSchema, arkBotCompletionSchema } from './ark-bot-chat.schemas';

/**
 * Ark's bot chat, as the Ark runtime SDK calls it with `base_url=http://host:3000/api/v3`:
 * `client.bot_chat.completions.create(model="bot-...")` posts to `bots/chat/completions`, and
 * `client.chat.completions.create(model="bot-...")` to `chat/completions`. Both answer with top-level
 * `references` and `bot_usage`. Keys are scoped as for `/api/v2/bots/:id/chat`.
 */
@ApiTags('Ark bot chat')
@ApiBearerAuth()
@Controller('api/v3')
export class ArkBotChatController {
  constructor(private readonly responder: OpenAiChatResponder) {}

  @Post(['bots/chat/completions', 'chat/completions'])
  @HttpCode(200)
  @ChatInput('bot')
  @AllowBotKeys()
  @ApiJsonOkOrStream('Ark bot chat (the Ark runtime SDK\'s bot_chat and chat.completions): model is a bot id', arkBotCompletionSchema, arkBotChunkSchema, 'A chat.completion with top-level references and bot_usage, or text/event-stream chat.completion.chunk frames ending with data: [DONE].')
  chat(@CurrentPrincipal() principal: Principal, @Body() body: OpenAiChatDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.responder.respond(principal, body, req, res, ARK_BOT_FORMAT);
  }
}
