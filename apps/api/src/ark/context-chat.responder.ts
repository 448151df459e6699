import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ContextChatEvent, ContextChatRequest, ContextService, CompletionMeta } from '@fjord/context-cache';
import { ErrorCode } from '@fjord/common';
import { toDomainError } from '../http/all-exceptions.filter';
import { renderError } from '../http/error-envelopes';
import { abortOnDisconnect, openEventStream } from '../http/event-stream';
import { toUsageChunk } from '../http/openai-chat.schema';
import { toChatCompletion, toChunk } from './context-response.schema';

/**
 * Writes a context chat answer: one `chat.completion` JSON, or an SSE stream of
 * `chat.completion.chunk` frames. The stream's headers go out only once the model produced its first
 * event, so failures before that (404, 429 with Retry-After, 502) are ordinary HTTP errors; a failure
 * after it ends the stream with an `{"error": ...}` frame. A client that disconnects aborts the model call.
 */
@Injectable()
export class ContextChatResponder {
  private readonly logger = new Logger('ArkContextStream');

  constructor(private readonly contexts: ContextService) {}

  async respond(body: ContextChatRequest, req: Request, res: Response): Promise<void> {
    const abort = abortOnDisconnect(res);
    try {
      if (!body.stream) {
        const completion = await this.contexts.chat(body, abort.signal);
        res.status(200).json(toChatCompletion(completion));
        return;
      }
      const { meta, events } = await this.contexts.chatStream(body, abort.signal);
      await this.stream(req, res, meta, events, body.stream_options?.include_usage === true, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return; // the client is gone; nobody to answer
      throw error;
    }
  }

  private async stream(req: Request, res: Response, meta: CompletionMeta, events: AsyncIterable<ContextChatEvent>, includeUsage: boolean, signal: AbortSignal): Promise<void> {
    const iterator = events[Symbol.asyncIterator]();
    let step = await iterator.next(); // throws before any byte is written: a normal HTTP error
    const send = openEventStream(res);
    let first = true;
    try {
      for (; !step.done; step = await iterator.next()) {
        const event = step.value;
        const role = first ? { role: 'assistant' as const } : {};
        first = false;
        if (event.type === 'content') {
          send(toChunk(meta, { ...role, content: event.content }, null, event.logprobs, includeUsage));
        } else {
          send(toChunk(meta, role, event.finishReason, null, includeUsage));
          if (includeUsage) send(toUsageChunk(meta, event.usage));
        }
      }
      send('[DONE]');
    } catch (error) {
      if (!signal.aborted) {
        const domainError = toDomainError(error);
        if (domainError.code === ErrorCode.Internal) this.logger.error({ err: error, path: req.path }, 'context stream failed');
        send(renderError('ark', domainError, String((req as Request & { id?: string }).id ?? '')).body);
      }
    } finally {
      await iterator.return?.(undefined).catch(() => undefined);
      res.end();
    }
  }
}
