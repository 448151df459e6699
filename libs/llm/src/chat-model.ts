/**
 * The chat-model seam. Two implementations: an OpenAI-compatible upstream through LangChain
 * (`OpenAiChatModel`) and the local extractive answerer (`ExtractiveChatModel`). Everything above
 * (context cache, knowledge chat, bots) talks to `ChatModel` only, injected as CHAT_MODEL.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatRequest {
  /** The public model name the client used (e.g. `Doubao-1.5-pro-32k`); providers map it upstream. */
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  logitBias?: Record<string, number>;
  user?: string;
  /**
   * The question as retrieval understood it (a follow-up rewritten with its conversation). The local
   * extractive model picks sentences by it; upstream models read the conversation and ignore it.
   */
  focusQuery?: string;
  /** Ark/Doubao's deep-thinking switch, passed to the upstream as `thinking`; other providers ignore it. */
  thinking?: { type: 'enabled' | 'disabled' | 'auto' };
}

export type FinishReason = 'stop' | 'length' | 'content_filter';

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens the upstream itself reports as cached (0 when it reports none). */
  cachedTokens: number;
  reasoningTokens: number;
  /** True when the numbers came from the upstream, false when fjord counted them with o200k_base. */
  reported: boolean;
}

/** OpenAI's `choices[].logprobs` object (`{content: [{token, logprob, bytes, top_logprobs}]}`), passed through. */
export interface ChatLogprobs {
  content: Array<{ token: string; logprob: number; bytes: number[] | null; top_logprobs: unknown[] }> | null;
  [key: string]: unknown;
}

export interface ChatResult {
  /** The model that answered, as the provider names it (upstream's `model`, or `fjord-extractive-v1`). */
  model: string;
  content: string;
  finishReason: FinishReason;
  logprobs: ChatLogprobs | null;
  usage: ChatUsage;
}

/** A streamed piece of the answer, then exactly one `done` with the finish reason and usage. */
export type ChatDelta =
  | { type: 'content'; content: string; logprobs?: ChatLogprobs | null }
  | { type: 'done'; model: string; finishReason: FinishReason; usage: ChatUsage };

export interface ChatModel {
  /** `openai` (LangChain ChatOpenAI) or `extractive` (local). */
  readonly provider: 'openai' | 'extractive';
  /**
   * The `model` to show clients for a public model name: the name itself for an upstream (so Ark
   * code sees what it asked for), `fjord-extractive-v1` for the local model (honest about what answered).
   */
  responseModel(publicName: string): string;
  generate(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
  /**
   * Streams the answer. Upstream errors raised before the first delta are DomainErrors the caller
   * can still turn into an HTTP status; later ones end the iteration with a DomainError.
   * Aborting `signal` cancels the upstream request.
   */
  stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta>;
}

/** Injection token for the configured ChatModel. */
export const CHAT_MODEL = Symbol('CHAT_MODEL');
