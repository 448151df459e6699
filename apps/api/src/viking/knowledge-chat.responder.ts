import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { KnowledgeChatEvent, KnowledgeChatService } from '@fjord/chat';
import { ErrorCode } from '@fjord/common';
import { toDomainError } from '../http/all-exceptions.filter';
import { renderError } from '../http/error-envelopes';
import { KnowledgeChatInput, toKnowledgeChatRequest } from './knowledge-chat.dto';
import { abortOnDisconnect, openEventStream, startStream } from '../http/event-stream';
import { chatCompletionData, deltaData, endData } from './knowledge-chat.responses';

const requestIdOf = (req: Request): string => String((req as Request & { id?: unknown }).id ?? '');

/**
 * Writes a Viking knowledge chat answer: the `{code, message, data, request_id}` envelope, or a
 * `text/event-stream` of `data:{"code":0,"message":"success","data":{...}}` events whose last one
 * has `"end": true` (no `[DONE]`). Stream headers go out only once the model produced its first
 * fragment, so failures before that (validation, missing collection, upstream 429/5xx) are ordinary
 * Viking errors with their HTTP status; a failure after it ends the stream with an event whose
 * `code` is not 0. A client that disconnects aborts the model call.
 */
@Injectable()
export class KnowledgeChatResponder {
  private readonly logger = new Logger('VikingChatStream');

  constructor(private readonly chats: KnowledgeChatService) {}

  async respond(body: KnowledgeChatInput, req: Request, res: Response): Promise<void> {
    const abort = abortOnDisconnect(res);
    const request = toKnowledgeChatRequest(body);
    const retrieved = request.retrieval !== undefined;
    const requestId = requestIdOf(req);
    try {
      if (!body.stream) {
        const result = await this.chats.answer(request, abort.signal);
        res.status(200).json({ code: 0, message: 'success', data: chatCompletionData(result, retrieved), request_id: requestId });
        return;
      }
      await this.stream(req, res, this.chats.stream(request, abort.signal), retrieved, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return; // the client is gone; nobody to answer
      throw error;
    }
  }

  private async stream(req: Request, res: Response, events: AsyncIterable<KnowledgeChatEvent>, retrieved: boolean, signal: AbortSignal): Promise<void> {
    // Everything up to the model's first fragment can still fail as a plain HTTP error.
    const { iterator, references = [], first } = await startStream(events);
    let step = first;
    const send = openEventStream(res, 'data:');
    try {
      for (; !step.done; step = await iterator.next()) {
        const event = step.value;
        if (event.type === 'delta') send({ code: 0, message: 'success', data: deltaData(event.content) });
        else if (event.type === 'done') send({ code: 0, message: 'success', data: endData({ ...event.result, references: event.result.references ?? references }, retrieved) });
      }
    } catch (error) {
      if (!signal.aborted) {
        const domainError = toDomainError(error);
        if (domainError.code === ErrorCode.Internal) this.logger.error({ err: error, path: req.path }, 'knowledge chat stream failed');
        const rendered = renderError('viking', domainError, requestIdOf(req)).body as { code: number; message: string; request_id: string };
        send({ code: rendered.code, message: rendered.message, data: { generated_answer: '', usage: '', end: true }, request_id: rendered.request_id });
      }
    } finally {
      await iterator.return?.(undefined).catch(() => undefined);
      res.end();
    }
  }
}
