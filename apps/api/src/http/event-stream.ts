import type { Response } from 'express';
import type { KnowledgeChatEvent, KnowledgeReference } from '@fjord/chat/knowledge-chat.types';

/** What comes before the first delta: the references (when retrieval ran). Failures up to here are ordinary HTTP errors. */
export interface StreamStart {
  iterator: AsyncIterator<KnowledgeChatEvent>;
  references?: KnowledgeReference[];
  first: IteratorResult<KnowledgeChatEvent>;
}

/** Pulls events until the first delta (or the end), so nothing is written before the answer really started. */
export async function startStream(events: AsyncIterable<KnowledgeChatEvent>): Promise<StreamStart> {
  const iterator = events[Symbol.asyncIterator]();
  let references: KnowledgeReference[] | undefined;
  try {
    let step = await iterator.next();
    while (!step.done && step.value.type === 'references') {
      references = step.value.references;
      step = await iterator.next();
    }
    return { iterator, references, first: step };
  } catch (error) {
    await iterator.return?.(undefined).catch(() => undefined);
    throw error;
  }
}

/**
 * Sends the 200 and the event-stream headers, and returns the writer of one event per payload
 * (objects as JSON). `field` is how an event starts: `data: ` for Ark and OpenAI, `data:` with no
 * space for Viking, as its documentation writes it.
 */
export function openEventStream(res: Response, field = 'data: '): (payload: unknown) => void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  return (payload: unknown) => {
    res.write(`${field}${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
  };
}

/** An AbortController that fires when the client goes away before the response finished. */
export function abortOnDisconnect(res: Response): AbortController {
  const abort = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) abort.abort();
  });
  return abort;
}
