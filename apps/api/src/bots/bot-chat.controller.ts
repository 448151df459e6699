import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowBotKeys, CurrentPrincipal, Principal } from '@fjord/auth';
import { BotChatDto, BotIdParamDto } from './bots.dto';
import { BotChatResponder } from './bot-chat.responder';
import { botChatFragmentSchema, botChatResponseSchema } from './bot-chat.responses';
import { ApiJsonOkOrStream } from '../http/api-docs';
import { ChatInput } from '../http/chat-input.interceptor';

/** `POST /api/v2/bots/:bot_id/chat` (api.md section 3): the admin key, or a temporary key naming this bot. */
@ApiTags('Bots')
@ApiBearerAuth()
@Controller('api/v2/bots')
export class BotChatController {
  constructor(private readonly responder: BotChatResponder) {}

  @Post(':bot_id/chat')
  @HttpCode(200)
  @ChatInput('bot')
  @AllowBotKeys()
  @ApiJsonOkOrStream('Chat with a bot (admin key, or a temporary key naming it)', botChatResponseSchema, botChatFragmentSchema, 'With stream: true, text/event-stream fragments {req_id, choices: [{message: {content: delta}}]}; references in the first, usage in the last, then data: [DONE].')
  chat(@CurrentPrincipal() principal: Principal, @Param() params: BotIdParamDto, @Body() body: BotChatDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.responder.respond(principal, params.bot_id, body, req, res);
  }
}
