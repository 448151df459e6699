import { AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage, UsageMetadata } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { DomainError, ErrorCode } from '@fjord/common';
import { ChatDelta, ChatLogprobs, ChatMessage, ChatModel, ChatRequest, ChatResult, ChatUsage, FinishReason } from './chat-model';
import { countedUsage } from './message-tokens';
import { abortError, describeUpstreamFailure, isRetryable, sleep, toUpstreamDomainError } from './upstream-errors';

export interface OpenAiChatModelOptions {
  baseUrl: string;
  apiKey?: string;
  /** Upstream model used for public names the map does not list (LLM_MODEL). */
  defaultModel?: string;
  /** Public name (e.g. `Doubao-1.5-pro-32k`) -> upstream model or endpoint id (LLM_MODEL_MAP). */
  modelMap: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  /** First backoff step; doubled per attempt, with jitter. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** A 429 asking to wait longer than this is returned to the client (with its Retry-After) instead of waited out. */
  maxRetryAfterMs?: number;
}

const MAX_CACHED_CLIENTS = 256;

function toLangChainMessage(message: ChatMessage): BaseMessage {
  switch (message.role) {
    case 'system':
      return new SystemMessage(message.content);
    case 'user':
      return new HumanMessage(message.content);
    case 'assistant':
      return new AIMessage(message.content);
  }
}

function finishReasonOf(value: unknown): FinishReason | undefined {
  if (value === 'stop' || value === 'length' || value === 'content_filter') return value;
  if (value === 'tool_calls' || value === 'function_call') return 'stop';
  return undefined;
}

function usageOf(metadata: UsageMetadata | undefined, messages: ChatMessage[], completion: string): ChatUsage {
  if (!metadata || typeof metadata.input_tokens !== 'number' || !metadata.input_tokens) return countedUsage(messages, completion);
  return {
    promptTokens: metadata.input_tokens,
    completionTokens: metadata.output_tokens ?? 0,
    totalTokens: metadata.total_tokens ?? metadata.input_tokens + (metadata.output_tokens ?? 0),
    cachedTokens: metadata.input_token_details?.cache_read ?? 0,
    reasoningTokens: metadata.output_token_details?.reasoning ?? 0,
    reported: true,
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: { type?: string; text?: string }) => (part?.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
  }
  return '';
}

/**
 * Any OpenAI-compatible chat API (Ark/Doubao, OpenAI, DeepSeek, Ollama, vLLM) through LangChain's
 * ChatOpenAI. LangChain's own retry (p-retry, exponential) ignores Retry-After, so it is switched off
 * (maxRetries 0) and this class retries 429/5xx/connection failures itself, honouring Retry-After.
 * A stream is retried only until its first delta; after that a failure ends it with an error.
 */
export class OpenAiChatModel implements ChatModel {
  readonly provider = 'openai' as const;
  private readonly clients = new Map<string, ChatOpenAI>();

  constructor(private readonly options: OpenAiChatModelOptions) {}

  responseModel(publicName: string): string {
    return publicName;
  }

  /** The upstream id a public model name maps to. */
  upstreamModel(publicName: string): string {
    return this.options.modelMap[publicName] ?? this.options.defaultModel ?? publicName;
  }

  async generate(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult> {
    const client = this.clientFor(request);
    const messages = request.messages.map(toLangChainMessage);
    const message = await this.withRetries(signal, () => client.invoke(messages, { signal, stop: request.stop }));
    const content = textOf(message.content);
    const metadata = message.response_metadata as { finish_reason?: unknown; model_name?: unknown; logprobs?: unknown };
    return {
      model: typeof metadata.model_name === 'string' ? metadata.model_name : this.upstreamModel(request.model),
      content,
      finishReason: finishReasonOf(metadata.finish_reason) ?? 'stop',
      logprobs: (metadata.logprobs as ChatLogprobs | undefined) ?? null,
      usage: usageOf(message.usage_metadata, request.messages, content),
    };
  }

  async *stream(request: ChatRequest, signal?: AbortSignal): AsyncIterable<ChatDelta> {
    const client = this.clientFor(request);
    const messages = request.messages.map(toLangChainMessage);
    // Connect (and retry) until the first chunk arrives; only then is anything yielded.
    const { iterator, first } = await this.withRetries(signal, async () => {
      const stream = await client.stream(messages, { signal, stop: request.stop });
      const it = stream[Symbol.asyncIterator]();
      try {
        return { iterator: it, first: await it.next() };
      } catch (error) {
        await it.return?.().catch(() => undefined);
        throw error;
      }
    });
    let content = '';
    let finishReason: FinishReason | undefined;
    let model = this.upstreamModel(request.model);
    let usage: UsageMetadata | undefined;
    try {
      for (let step = first; !step.done; step = await iterator.next()) {
        const chunk = step.value as AIMessageChunk;
        const metadata = chunk.response_metadata as { finish_reason?: unknown; model_name?: unknown; logprobs?: unknown };
        finishReason = finishReasonOf(metadata.finish_reason) ?? finishReason;
        if (typeof metadata.model_name === 'string') model = metadata.model_name;
        if (chunk.usage_metadata?.input_tokens) usage = chunk.usage_metadata;
        const text = textOf(chunk.content);
        const logprobs = (metadata.logprobs as ChatLogprobs | undefined) ?? null;
        if (text || logprobs) {
          content += text;
          yield { type: 'content', content: text, logprobs };
        }
      }
    } catch (error) {
      if (signal?.aborted) throw abortError();
      if (error instanceof DomainError) throw error;
      throw toUpstreamDomainError(describeUpstreamFailure(error), error);
    } finally {
      await iterator.return?.().catch(() => undefined);
    }
    if (signal?.aborted) throw abortError();
    if (!finishReason) throw new DomainError(ErrorCode.UpstreamError, 'the upstream model stream ended before it finished');
    yield { type: 'done', model, finishReason, usage: usageOf(usage, request.messages, content) };
  }

  private async withRetries<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    const { maxRetries, retryBaseDelayMs = 250, retryMaxDelayMs = 8_000, maxRetryAfterMs = 10_000 } = this.options;
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted) throw abortError();
        const failure = describeUpstreamFailure(error);
        const waitTooLong = failure.retryAfterMs !== undefined && failure.retryAfterMs > maxRetryAfterMs;
        if (tries >= maxRetries || !isRetryable(failure) || waitTooLong) throw toUpstreamDomainError(failure, error);
        const backoff = Math.min(retryMaxDelayMs, retryBaseDelayMs * 2 ** tries) * (0.5 + Math.random() / 2);
        await sleep(failure.retryAfterMs ?? backoff, signal);
      }
    }
  }

  /** One ChatOpenAI per distinct set of sampling parameters, reused across requests. */
  private clientFor(request: ChatRequest): ChatOpenAI {
    const fields = {
      model: this.upstreamModel(request.model),
      temperature: request.temperature,
      topP: request.topP,
      maxTokens: request.maxTokens,
      presencePenalty: request.presencePenalty,
      frequencyPenalty: request.frequencyPenalty,
      logprobs: request.logprobs,
      topLogprobs: request.topLogprobs,
      logitBias: request.logitBias,
      user: request.user,
      // Fields the OpenAI client has no name for travel in the request body as they are.
      modelKwargs: request.thinking ? { thinking: request.thinking } : undefined,
    };
    const key = JSON.stringify(fields);
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= MAX_CACHED_CLIENTS) this.clients.clear();
      client = new ChatOpenAI({
        ...fields,
        apiKey: this.options.apiKey || 'unused',
        configuration: { baseURL: this.options.baseUrl },
        timeout: this.options.timeoutMs,
        maxRetries: 0,
        streamUsage: true,
      });
      this.clients.set(key, client);
    }
    return client;
  }
}
