import { Body, Controller, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { KnowledgeChatService } from '@fjord/chat';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { KnowledgeChatDto, SearchAndGenerateDto, toSearchAndGenerateRequest } from './knowledge-chat.dto';
import { KnowledgeChatResponder } from './knowledge-chat.responder';
import { searchAndGenerateData } from './knowledge-chat.responses';
import { ChatInput } from '../http/chat-input.interceptor';

/** Viking knowledge chat (api.md section 1): chat/completions and collection/search_and_generate. */
@ApiTags('Viking: knowledge chat')
@ApiBearerAuth()
@Controller('api/knowledge')
export class KnowledgeChatController {
  constructor(
    private readonly chats: KnowledgeChatService,
    private readonly responder: KnowledgeChatResponder,
  ) {}

  /** `{generated_answer, usage (JSON string), references}`, or a text/event-stream ending with `"end": true`. */
  @Post('chat/completions')
  @HttpCode(200)
  @ChatInput('knowledge')
  @ApiOkResponse({ description: 'the Viking envelope with generated_answer, or text/event-stream events' })
  chat(@Body() body: KnowledgeChatDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.responder.respond(body, req, res);
  }

  @Post('collection/search_and_generate')
  @HttpCode(200)
  @UseInterceptors(VikingEnvelopeInterceptor)
  async searchAndGenerate(@Body() body: SearchAndGenerateDto) {
    return searchAndGenerateData(await this.chats.answerWithPrompt(toSearchAndGenerateRequest(body)));
  }
}
