import { countTokens, decodeTokens, encodeTokens } from '@fjord/text';
import { ChatDelta, ChatMessage, ChatModel, ChatRequest, ChatResult, FinishReason } from './chat-model';
import { countedUsage } from './message-tokens';

export const EXTRACTIVE_MODEL_NAME = 'fjord-extractive-v1';
export const NO_ANSWER_TEXT = 'The provided context does not contain an answer to this question.';

const MAX_SENTENCES = 3;
const PASSAGE_MARKER = /^\s*\[(\d{1,4})\]/;
const HAN = /\p{Script=Han}/u;
const STOPWORDS = new Set(
  'a an and are as at be but by can do does for from has have how i if in is it its of on or so that the their then there these this to was were what when where which who why will with you your about into than'.split(' '),
);

interface Sentence {
  text: string;
  /** The `[n]` passage the sentence belongs to, when the context numbers its passages. */
  passage?: string;
  terms: Set<string>;
  order: number;
}

/** Latin words (lower-cased, stop words dropped) plus Han unigrams and bigrams. */
export function termsOf(text: string): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (HAN.test(word)) {
      const chars = [...word];
      for (let i = 0; i < chars.length; i++) {
        if (HAN.test(chars[i])) terms.push(chars[i]);
        if (i + 1 < chars.length) terms.push(chars[i] + chars[i + 1]);
      }
    } else if (word.length > 1 && !STOPWORDS.has(word)) {
      terms.push(word);
    }
  }
  return terms;
}

function splitSentences(messages: ChatMessage[]): Sentence[] {
  const sentences: Sentence[] = [];
  for (const message of messages) {
    let passage: string | undefined;
    for (const line of message.content.split(/\n+/)) {
      const marker = PASSAGE_MARKER.exec(line);
      if (marker) passage = marker[1];
      for (const raw of line.split(/(?<=[.!?;])\s+|(?<=[。！？；])/u)) {
        const text = raw.trim();
        const terms = new Set(termsOf(text));
        if (terms.size === 0) continue;
        sentences.push({ text, passage, terms, order: sentences.length });
      }
    }
  }
  return sentences;
}

/**
 * The answer the extractive model gives: the (up to three) sentences of the non-final messages
 * that best match the last user question, in their original order, each keeping its `[n]` citation.
 */
export function extractAnswer(messages: ChatMessage[]): string {
  let questionIndex = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') {
      questionIndex = i;
      break;
    }
  }
  if (questionIndex < 0) return NO_ANSWER_TEXT;
  const query = new Set(termsOf(messages[questionIndex].content));
  // Quote what the model was given (system prompt, context, earlier user turns), never its own replies.
  const sources = messages.filter((m, i) => i !== questionIndex && m.role !== 'assistant');
  const sentences = splitSentences(sources);
  if (query.size === 0 || sentences.length === 0) return NO_ANSWER_TEXT;

  const df = new Map<string, number>();
  for (const sentence of sentences) for (const term of sentence.terms) if (query.has(term)) df.set(term, (df.get(term) ?? 0) + 1);
  const scored = sentences
    .map((sentence) => {
      let score = 0;
      for (const term of query) if (sentence.terms.has(term)) score += Math.log(1 + sentences.length / (df.get(term) ?? 1));
      return { sentence, score: score / (1 + Math.log(1 + sentence.terms.size)) };
    })
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.sentence.order - b.sentence.order);
  if (scored.length === 0) return NO_ANSWER_TEXT;
  const best = scored[0].score;
  const chosen = scored
    .filter((s) => s.score >= best * 0.5)
    .slice(0, MAX_SENTENCES)
    .map((s) => s.sentence)
    .sort((a, b) => a.order - b.order);
  return chosen
    .map(({ text, passage }) => {
      const body = text.replace(PASSAGE_MARKER, '').trim();
      return passage ? `${body} [${passage}]` : body;
    })
    .join(' ');
}

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
    const { text, finishReason } = limitAnswer(extractAnswer(request.messages), request);
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
