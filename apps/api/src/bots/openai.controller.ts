import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowBotKeys, CurrentPrincipal, Principal } from '@fjord/auth';
import { BotService } from '@fjord/bots';
import { OpenAiChatDto } from './bots.dto';
import { OpenAiChatResponder } from './openai-chat.responder';
import { OpenAiModelList, toModelList } from './openai.responses';
import { ChatInput } from '../http/chat-input.interceptor';

/**
 * The OpenAI-compatible door (api.md section 4): bots as models. A temporary key sees and uses only its
 * own bots; the admin key sees all of them.
 */
@ApiTags('OpenAI-compatible')
@ApiBearerAuth()
@Controller('v1')
export class OpenAiController {
  constructor(
    private readonly bots: BotService,
    private readonly responder: OpenAiChatResponder,
  ) {}

  @Get('models')
  @AllowBotKeys()
  async models(@CurrentPrincipal() principal: Principal): Promise<OpenAiModelList> {
    return toModelList(await this.bots.list(principal.kind === 'bot' ? principal.botIds : undefined));
  }

  @Post('chat/completions')
  @HttpCode(200)
  @ChatInput('openai')
  @AllowBotKeys()
  @ApiOkResponse({ description: 'an OpenAI chat.completion, or text/event-stream chat.completion.chunk frames' })
  chat(@CurrentPrincipal() principal: Principal, @Body() body: OpenAiChatDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.responder.respond(principal, body, req, res);
  }
}
