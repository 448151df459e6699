import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError } from '@fjord/common';
import { ContextService } from '@fjord/context-cache';
import { retrievalQuery } from '@fjord/search';
import { CHAT_MODEL, ChatLogprobs, ChatMessage, ChatModel, ChatRequest, ChatUsage as ModelUsage, FinishReason } from '@fjord/llm';
import { CitationFilter, filterCitations } from './citation-filter';
import { buildPrefix } from './knowledge-prompt';
import { KnowledgeRetriever, Passage } from './knowledge-retriever';
import type {
  ChatUsage,
  KnowledgeChat,
  KnowledgeChatEvent,
  KnowledgeChatRequest,
  KnowledgeChatResult,
  KnowledgeReference,
  SearchUsage,
} from './knowledge-chat.types';

/**
 * Prompt prefixes live an hour after their last use (the context API's minimum ttl): long enough
 * for a conversation's follow-ups, short enough that one row per distinct question set does not pile up.
 */
export const PREFIX_TTL_SECONDS = 3_600;

/** The model name used when neither the request nor LLM_MODEL names one. */
export const DEFAULT_MODEL_NAME = 'default';

/** Everything decided before the model is called. */
export interface PreparedChat {
  /** The messages sent to the model: prefix (with retrieval) + conversation. */
  request: ChatRequest;
  /** Set when the request asked for retrieval. */
  retrieval?: {
    query: string;
    passages: Passage[];
    collectionNames: string[];
    /**
     * The prefix's context-cache entry, stored while the model answers (it is not on the critical
     * path): its tokens, and whether this call found it already cached.
     */
    cache: Promise<PrefixCacheState>;
  };
  search: SearchUsage;
}

export interface PrefixCacheState {
  prefixTokens: number;
  reused: boolean;
}

/** A non-streamed answer with what produced it (search_and_generate shows the prompt and the hits). */
export interface KnowledgeChatAnswer {
  result: KnowledgeChatResult;
  prepared: PreparedChat;
}

const NO_SEARCH: SearchUsage = { searchCount: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0 };

/**
 * Knowledge chat (issue 5), shared by Viking's chat/completions, search_and_generate and bots.
 * Without retrieval: a plain model call on the messages (plus the system prompt). With retrieval:
 * query (rewritten for follow-ups) -> search every collection -> prompt prefix (system prompt +
 * citation rules + numbered passages) stored as a common_prefix context keyed by its hash ->
 * model call with prefix + conversation -> answer with out-of-range citations removed, the
 * passages given as references, and cached_tokens when the prefix was already cached.
 */
@Injectable()
export class KnowledgeChatService implements KnowledgeChat {
  private readonly logger = new Logger('KnowledgeChat');

  constructor(
    private readonly retriever: KnowledgeRetriever,
    private readonly contexts: ContextService,
    @Inject(CHAT_MODEL) private readonly model: ChatModel,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async answer(req: KnowledgeChatRequest, signal?: AbortSignal): Promise<KnowledgeChatResult> {
    return (await this.answerWithPrompt(req, signal)).result;
  }

  async answerWithPrompt(req: KnowledgeChatRequest, signal?: AbortSignal): Promise<KnowledgeChatAnswer> {
    const prepared = await this.prepare(req);
    const [generated, cache] = await Promise.all([this.model.generate(prepared.request, signal), prepared.retrieval?.cache]);
    const passages = prepared.retrieval?.passages.length;
    const answer = passages === undefined ? generated.content : filterCitations(generated.content, passages);
    return {
      prepared,
      result: this.result(prepared, cache, { model: generated.model, answer, finishReason: generated.finishReason, logprobs: generated.logprobs, usage: generated.usage }),
    };
  }

  /**
   * References first (when retrieval ran), then deltas, then `done`. Failures before the first
   * delta (retrieval, 404, upstream 4xx/5xx) reject the first `next()` calls after `references`;
   * failures later end the iteration with the error.
   */
  async *stream(req: KnowledgeChatRequest, signal?: AbortSignal): AsyncGenerator<KnowledgeChatEvent> {
    const prepared = await this.prepare(req);
    if (prepared.retrieval) yield { type: 'references', references: prepared.retrieval.passages.map((p) => p.reference) };
    const filter = prepared.retrieval ? new CitationFilter(prepared.retrieval.passages.length) : undefined;
    let answer = '';
    let logprobs = null as ChatLogprobs | null;
    for await (const delta of this.model.stream(prepared.request, signal)) {
      if (delta.type === 'content') {
        if (delta.logprobs?.content) logprobs = { ...delta.logprobs, content: [...(logprobs?.content ?? []), ...delta.logprobs.content] };
        const text = filter ? filter.push(delta.content) : delta.content;
        if (text) {
          answer += text;
          yield { type: 'delta', content: text };
        }
      } else {
        const rest = filter?.flush();
        if (rest) {
          answer += rest;
          yield { type: 'delta', content: rest };
        }
        const cache = await prepared.retrieval?.cache;
        yield { type: 'done', result: this.result(prepared, cache, { model: delta.model, answer, finishReason: delta.finishReason, logprobs, usage: delta.usage }) };
      }
    }
  }

  async prepare(req: KnowledgeChatRequest): Promise<PreparedChat> {
    if (req.messages.length === 0) throw DomainError.invalid('messages must not be empty', 'messages');
    const modelName = req.model || this.config.llm.model || DEFAULT_MODEL_NAME;
    const p = req.parameters ?? {};
    const base: Omit<ChatRequest, 'messages'> = {
      model: modelName,
      maxTokens: p.maxTokens,
      temperature: p.temperature,
      topP: p.topP,
      frequencyPenalty: p.frequencyPenalty,
      presencePenalty: p.presencePenalty,
      logprobs: p.logprobs,
      topLogprobs: p.topLogprobs,
      logitBias: p.logitBias,
      stop: p.stop,
      thinking: p.thinking,
    };
    if (!req.retrieval) {
      const system: ChatMessage[] = req.systemPrompt?.trim() ? [{ role: 'system', content: req.systemPrompt.trim() }] : [];
      return { request: { ...base, messages: [...system, ...req.messages] }, search: NO_SEARCH };
    }

    if (!req.messages.some((m) => m.role === 'user')) throw DomainError.invalid('messages must contain a user message to retrieve for', 'messages');
    const { query } = retrievalQuery(req.messages);
    if (!query) throw DomainError.invalid('the last user message is empty', 'messages');
    const retrieved = await this.retriever.retrieve(req.retrieval, query);
    const prefix = buildPrefix(
      req.systemPrompt,
      req.messages.filter((m) => m.role === 'system').map((m) => m.content),
      retrieved.passages.map((p) => p.reference),
    );
    const conversation: ChatMessage[] = req.messages.filter((m) => m.role !== 'system');
    return {
      request: { ...base, messages: [...prefix, ...conversation], focusQuery: query },
      retrieval: { query, passages: retrieved.passages, collectionNames: retrieved.collectionNames, cache: this.cachePrefix(modelName, prefix) },
      search: retrieved.usage,
    };
  }

  /**
   * Stores the prefix as a common_prefix context keyed by its hash (or renews it). The cache only
   * saves tokens: when storing fails, the answer still goes out, without cached_tokens.
   */
  private cachePrefix(modelName: string, prefix: ChatMessage[]): Promise<PrefixCacheState> {
    return (async () => {
      const context = await this.contexts.getOrCreatePrefixContext(modelName, prefix, PREFIX_TTL_SECONDS);
      return { prefixTokens: context.prefixTokens, reused: !context.created };
    })().catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not store the prompt prefix in the context cache');
      return { prefixTokens: 0, reused: false };
    });
  }

  private result(
    prepared: PreparedChat,
    cache: PrefixCacheState | undefined,
    out: { model: string; answer: string; finishReason: FinishReason; logprobs: ChatLogprobs | null; usage: ModelUsage },
  ): KnowledgeChatResult {
    const references: KnowledgeReference[] = prepared.retrieval?.passages.map((p) => p.reference) ?? [];
    return {
      model: out.model,
      answer: out.answer,
      finishReason: out.finishReason,
      ...(out.logprobs ? { logprobs: out.logprobs } : {}),
      references,
      usage: this.usage(cache, out.usage),
      search: prepared.search,
      ...(prepared.retrieval ? { query: prepared.retrieval.query } : {}),
    };
  }

  /** cached_tokens: the prefix when this call found it cached, or the upstream's own figure when larger. */
  private usage(cache: PrefixCacheState | undefined, usage: ModelUsage): ChatUsage {
    const fromCache = cache?.reused ? cache.prefixTokens : 0;
    return {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.totalTokens,
      cachedTokens: Math.min(usage.promptTokens, Math.max(fromCache, usage.cachedTokens)),
      reasoningTokens: usage.reasoningTokens,
    };
  }
}
