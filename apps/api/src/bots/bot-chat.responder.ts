import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '@fjord/auth/principal';
import { BotChatCall, BotChatInput, BotChatService, toChatParameters } from '@fjord/bots';
import { ErrorCode } from '@fjord/common';
import { toDomainError } from '../http/all-exceptions.filter';
import { renderError } from '../http/error-envelopes';
import { toBotChatResponse, toDeltaFragment, toLastFragment } from './bot-chat.responses';
import { abortOnDisconnect, openEventStream, startStream } from '../http/event-stream';

/**
 * Writes a bot chat answer (api.md section 3): one JSON body, or SSE fragments then `data: [DONE]`.
 * Headers go out only with the first delta, so failures before it (403, 404, retrieval, upstream 429/502)
 * are non-200 JSON `{req_id, error}`; a failure after it ends the 200 stream with a `{req_id, error}`
 * fragment. A client that disconnects aborts the model call.
 */
@Injectable()
export class BotChatResponder {
  private readonly logger = new Logger('BotChatStream');

  constructor(private readonly chat: BotChatService) {}

  async respond(principal: Principal, botId: string, body: BotChatInput, req: Request, res: Response): Promise<void> {
    const requestId = String((req as Request & { id?: string }).id ?? '');
    const call: BotChatCall = { principal, botId, messages: body.messages, parameters: toChatParameters(body.parameters ?? {}) };
    const abort = abortOnDisconnect(res);
    try {
      if (!body.stream) {
        res.status(200).json(toBotChatResponse(requestId, await this.chat.answer(call, abort.signal)));
        return;
      }
      await this.stream(requestId, call, res, abort.signal);
    } catch (error) {
      if (abort.signal.aborted) return; // the client is gone; nobody to answer
      throw error;
    }
  }

  private async stream(requestId: string, call: BotChatCall, res: Response, signal: AbortSignal): Promise<void> {
    const start = await startStream(this.chat.stream(call, signal));
    const { iterator } = start;
    let references = start.references;
    const send = openEventStream(res);
    try {
      for (let step = start.first; !step.done; step = await iterator.next()) {
        const event = step.value;
        if (event.type === 'references') {
          references = event.references;
        } else if (event.type === 'delta') {
          send(toDeltaFragment(requestId, event.content, references));
          references = undefined;
        } else {
          send(toLastFragment(requestId, event.result, references));
          references = undefined;
        }
      }
      send('[DONE]');
    } catch (error) {
      if (!signal.aborted) {
        const domainError = toDomainError(error);
        if (domainError.code === ErrorCode.Internal) this.logger.error({ err: error, requestId }, 'bot chat stream failed');
        send(renderError('bot', domainError, requestId).body);
      }
    } finally {
      await iterator.return?.(undefined).catch(() => undefined);
      res.end();
    }
  }
}
