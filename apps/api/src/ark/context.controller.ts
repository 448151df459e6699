import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ContextService } from '@fjord/context-cache';
import { ContextChatDto, CreateContextDto } from './ark.dto';
import { ContextChatResponder } from './context-chat.responder';
import { CreateContextResponse, toCreateContextResponse } from './context-response.schema';
import { ChatInput } from '../http/chat-input.interceptor';

/** Ark Context API (api.md section 2), under /api/v3 and /v1. */
@ApiTags('Ark context cache')
@ApiBearerAuth()
@Controller(['api/v3/context', 'v1/context'])
export class ContextController {
  constructor(
    private readonly contexts: ContextService,
    private readonly responder: ContextChatResponder,
  ) {}

  @Post('create')
  @HttpCode(200)
  @ChatInput('context')
  @ApiOkResponse({ description: 'the created context' })
  async create(@Body() body: CreateContextDto): Promise<CreateContextResponse> {
    return toCreateContextResponse(await this.contexts.create(body));
  }

  /** `chat.completion` JSON, or an SSE stream of `chat.completion.chunk` frames when `stream` is true. */
  @Post('chat/completions')
  @HttpCode(200)
  @ChatInput('context')
  @ApiOkResponse({ description: 'an OpenAI chat.completion, or text/event-stream chunks' })
  chat(@Body() body: ContextChatDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.responder.respond(body, req, res);
  }
}
