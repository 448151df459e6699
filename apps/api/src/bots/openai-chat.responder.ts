import { randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '@fjord/auth/principal';
import { BotChatCall, BotChatService, OpenAiChatInput, openAiParameters, openAiTurns } from '@fjord/bots';
import { ErrorCode } from '@fjord/common';
import { toDomainError } from '../http/all-exceptions.filter';
import { renderError } from '../http/error-envelopes';
import { abortOnDisconnect, openEventStream, startStream } from '../http/event-stream';
import { CompletionMeta } from '../http/openai-chat.schema';
import { ChatCompletionFormat, OPENAI_FORMAT } from './openai.responses';

/**
 * `POST /v1/chat/completions` with a bot id as `model` (api.md section 4): a `chat.completion`, or
 * `chat.completion.chunk` frames then `data: [DONE]`. As for bot chat, headers wait for the first delta
 * (earlier failures are OpenAI-style JSON errors with their status); a later failure ends the stream with
 * an `{"error": ...}` frame; a disconnect aborts the model call.
 */
@Injectable()
export class OpenAiChatResponder {
  private readonly logger = new Logger('OpenAiBotStream');

  constructor(private readonly chat: BotChatService) {}

  /** `format` decides where references and bot usage go: in the message (OpenAI door) or at the top level (Ark). */
  async respond<Completion, Chunk>(
    principal: Principal,
    body: OpenAiChatInput,
    req: Request,
    res: Response,
    format: ChatCompletionFormat<Completion, Chunk> = OPENAI_FORMAT as unknown as ChatCompletionFormat<Completion, Chunk>,
  ): Promise<void> {
    const call: BotChatCall = { principal, botId: body.model, messages: openAiTurns(body.messages), parameters: openAiParameters(body) };
    const meta: CompletionMeta = { id: `chatcmpl-${randomBytes(12).toString('hex')}`, created: Math.floor(Date.now() / 1000), model: body.model };
    const abort = abortOnDisconnect(res);
    try {
      if (!body.stream) {
        res.status(200).json(format.completion(meta, await this.chat.answer(call, abort.signal)));
        return;
      }
      await this.stream(req, meta, call, body.stream_options?.include_usage === true, res, abort.signal, format);
    } catch (error) {
      if (abort.signal.aborted) return;
      throw error;
    }
  }

  private async stream<Completion, Chunk>(
    req: Request,
    meta: CompletionMeta,
    call: BotChatCall,
    includeUsage: boolean,
    res: Response,
    signal: AbortSignal,
    format: ChatCompletionFormat<Completion, Chunk>,
  ): Promise<void> {
    const start = await startStream(this.chat.stream(call, signal));
    const { iterator } = start;
    let references = start.references;
    let first = true;
    const send = openEventStream(res);
    try {
      for (let step = start.first; !step.done; step = await iterator.next()) {
        const event = step.value;
        if (event.type === 'references') {
          references = event.references;
          continue;
        }
        if (event.type === 'delta') {
          send(format.delta(meta, event.content, first, references, includeUsage));
        } else {
          send(format.finish(meta, event.result, first, references, includeUsage));
          if (includeUsage) send(format.usage(meta, event.result));
        }
        first = false;
        references = undefined;
      }
      send('[DONE]');
    } catch (error) {
      if (!signal.aborted) {
        const domainError = toDomainError(error);
        if (domainError.code === ErrorCode.Internal) this.logger.error({ err: error, path: req.path }, 'bot chat stream failed');
        send(renderError('ark', domainError, String((req as Request & { id?: string }).id ?? '')).body);
      }
    } finally {
      await iterator.return?.(undefined).catch(() => undefined);
      res.end();
    }
  }
}
