import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowBotKeys, CurrentPrincipal, Principal } from '@fjord/auth';
import { BotChatDto, BotIdParamDto } from './bots.dto';
import { BotChatResponder } from './bot-chat.responder';
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
  @ApiOkResponse({ description: '{req_id, choices, usage, error: null}, or text/event-stream fragments when stream is true' })
  chat(@CurrentPrincipal() principal: Principal, @Param() params: BotIdParamDto, @Body() body: BotChatDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.responder.respond(principal, params.bot_id, body, req, res);
  }
}
