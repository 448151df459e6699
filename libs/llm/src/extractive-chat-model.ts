import { countTokens, decodeTokens, encodeTokens } from '@fjord/text';
import { ChatDelta, ChatMessage, ChatModel, ChatRequest, ChatResult, FinishReason } from './chat-model';
import { extractAnswer } from './extractive/extract-answer';
import { countedUsage } from './message-tokens';

export const EXTRACTIVE_MODEL_NAME = 'fjord-extractive-v1';

/** Applies `stop` and `max_tokens` the way an upstream model would. */
function limitAnswer(answer: string, request: ChatRequest): { text: string; finishReason: FinishReason } {
  let text = answer;
  for (const stop of request.stop ?? []) {
    const at = stop ? text.indexOf(stop) : -1;
    if (at >= 0) text = text.slice(0, at);
  }
  if (request.maxTokens !== undefined && countTokens(text) > request.maxTokens) {
    const cut = decodeTokens(encodeTokens(text).slice(0, request.maxTokens)).replace(/\uFFFD+$/u, '');
    return { text: cut, finishReason: 'length' };
  }
  return { text, finishReason: 'stop' };
}

/** Pieces of about four words (or twelve Han characters), as a streaming model would send. */
export function streamPieces(text: string): string[] {
  const pieces: string[] = [];
  const words = text.match(/\S+\s*/gu) ?? [];
  let current = '';
  let count = 0;
  for (const word of words) {
    for (let i = 0; i < word.length; i += 12) {
      current += word.slice(i, i + 12);
      count++;
      if (count >= 4 || word.length > 12) {
        pieces.push(current);
        current = '';
        count = 0;
      }
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const error = new Error('the request was aborted');
    error.name = 'AbortError';
    throw error;
  }
}

/**
 * The local default: no weights, deterministic. It answers by quoting the context it was given and
 * says so in its model name. logprobs are not available (it samples nothing) and come back null.
 */
export class ExtractiveChatModel implements ChatModel {
  readonly provider = 'extractive' as const;

  responseModel(): string {
    return EXTRACTIVE_MODEL_NAME;
  }

  async generate(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    throwIfAborted(signal);
    const { text, finishReason } = limitAnswer(extractAnswer(request.messages, request.focusQuery), request);
    return { model: EXTRACTIVE_MODEL_NAME, content: text, finishReason, logprobs: null, usage: countedUsage(request.messages, text) };
  }

  async *stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
    const result = await this.generate(request, signal);
    for (const piece of streamPieces(result.content)) {
      throwIfAborted(signal);
      yield { type: 'content', content: piece, logprobs: null };
    }
    yield { type: 'done', model: result.model, finishReason: result.finishReason, usage: result.usage };
  }
}
