import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import {
  CHAT_MODEL,
  ChatLogprobs,
  ChatModel,
  ChatRequest,
  ChatUsage,
  FinishReason,
  REPLY_PRIMER_TOKENS,
  countMessageTokens,
} from '@fjord/llm';
import {
  ContextChatRequest,
  ContextMessage,
  ContextMode,
  CreateContextRequest,
  DEFAULT_LAST_HISTORY_TOKENS,
  DEFAULT_TTL_SECONDS,
  TruncationStrategy,
} from './context.schema';
import { ContextRepository, ContextRow, HistoryMessage, StoredMessage } from './context.repository';
import { CallPlan, TurnTokens, modelWindowTokens, planCall } from './truncation';

export interface CreatedContext {
  id: string;
  model: string;
  mode: ContextMode;
  ttl: number;
  truncationStrategy: TruncationStrategy | null;
  /** Tokens of the stored messages (o200k_base). */
  promptTokens: number;
}

export interface ContextUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** Prompt tokens served from the context cache instead of the request body (api.md Common). */
  cachedTokens: number;
  reasoningTokens: number;
}

/** Identity of one chat call's answer, known before its first token (stream frames repeat it). */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export interface ContextCompletion extends CompletionMeta {
  content: string;
  finishReason: FinishReason;
  logprobs: ChatLogprobs | null;
  usage: ContextUsage;
}

export type ContextChatEvent =
  | { type: 'content'; content: string; logprobs: ChatLogprobs | null }
  | { type: 'done'; finishReason: FinishReason; usage: ContextUsage };

export interface ContextStream {
  meta: CompletionMeta;
  /** Upstream errors before the first event reject its first `next()`; later ones end the iteration. */
  events: AsyncIterable<ContextChatEvent>;
}

/** Everything decided before the model is called. */
interface PreparedCall {
  context: ContextRow & { history: HistoryMessage[] };
  meta: CompletionMeta;
  request: ChatRequest;
  plan: CallPlan;
  newMessages: StoredMessage[];
  cachedTokens: number;
}

function contextId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `ctx-${stamp}-${randomBytes(8).toString('hex')}`;
}

function stored(messages: ContextMessage[]): StoredMessage[] {
  return messages.map((m) => ({ role: m.role, content: m.content, tokens: countMessageTokens(m) }));
}

function turnTotals(history: HistoryMessage[]): TurnTokens[] {
  const totals: TurnTokens[] = [];
  for (const m of history) {
    const last = totals.at(-1);
    if (last?.turn === m.turn) last.tokens += m.tokens;
    else totals.push({ turn: m.turn, tokens: m.tokens });
  }
  return totals;
}

const orUndefined = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);

/**
 * Ark contexts: the stored messages are the prefix of every call; `session` contexts append each
 * turn (truncated by their strategy), `common_prefix` ones never change. Each use slides the expiry.
 */
@Injectable()
export class ContextService {
  constructor(
    private readonly contexts: ContextRepository,
    @Inject(CHAT_MODEL) private readonly model: ChatModel,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(request: CreateContextRequest): Promise<CreatedContext> {
    const messages = stored(request.messages);
    const truncation = request.mode === 'session' ? (request.truncation_strategy ?? { type: 'last_history_tokens' as const, last_history_tokens: DEFAULT_LAST_HISTORY_TOKENS }) : null;
    const context = {
      id: contextId(),
      model: request.model,
      mode: request.mode,
      ttlSeconds: request.ttl,
      truncation,
      messages,
      prefixTokens: messages.reduce((sum, m) => sum + m.tokens, 0),
    };
    await this.contexts.insert(context);
    return { id: context.id, model: context.model, mode: context.mode, ttl: context.ttlSeconds, truncationStrategy: truncation, promptTokens: context.prefixTokens };
  }

  /**
   * For fjord's own callers (knowledge chat, bots): the common_prefix context holding exactly these
   * messages for this model, created on first use and shared (keyed by a hash of model + messages)
   * while the same prefix recurs. Chat with it through `chat`/`chatStream` to get cached_tokens.
   * `created` is true when this call stored the prefix (it was not cached before).
   */
  async getOrCreatePrefixContext(model: string, messages: ContextMessage[], ttl = DEFAULT_TTL_SECONDS): Promise<{ id: string; prefixTokens: number; created: boolean }> {
    const prefixHash = createHash('sha256').update(JSON.stringify({ model, messages: messages.map((m) => [m.role, m.content]) })).digest('hex');
    // The common case (the prefix recurs) costs one UPDATE and no tokenizing.
    const existing = await this.contexts.renewByPrefixHash(prefixHash, ttl);
    if (existing) return { id: existing.id, prefixTokens: existing.prefix_tokens, created: false };
    const prefix = stored(messages);
    const prefixTokens = prefix.reduce((sum, m) => sum + m.tokens, 0);
    const { id, created } = await this.contexts.upsertByPrefixHash({
      id: contextId(),
      model,
      mode: 'common_prefix',
      ttlSeconds: ttl,
      truncation: null,
      messages: prefix,
      prefixTokens,
      prefixHash,
    });
    return { id, prefixTokens, created };
  }

  async chat(request: ContextChatRequest, signal?: AbortSignal): Promise<ContextCompletion> {
    const call = await this.prepare(request);
    if (call.plan.windowFull) return { ...call.meta, content: '', finishReason: 'length', logprobs: null, usage: this.windowFullUsage(call) };
    const result = await this.model.generate(call.request, signal);
    await this.storeTurn(call, result.content);
    return { ...call.meta, content: result.content, finishReason: result.finishReason, logprobs: result.logprobs, usage: this.usage(call, result.usage) };
  }

  async chatStream(request: ContextChatRequest, signal?: AbortSignal): Promise<ContextStream> {
    const call = await this.prepare(request);
    return { meta: call.meta, events: this.events(call, signal) };
  }

  private async *events(call: PreparedCall, signal?: AbortSignal): AsyncGenerator<ContextChatEvent> {
    if (call.plan.windowFull) {
      yield { type: 'done', finishReason: 'length', usage: this.windowFullUsage(call) };
      return;
    }
    let content = '';
    for await (const delta of this.model.stream(call.request, signal)) {
      if (delta.type === 'content') {
        content += delta.content;
        yield { type: 'content', content: delta.content, logprobs: delta.logprobs ?? null };
      } else {
        // Stored before the client sees the end, so a client that got [DONE] can chat on at once.
        await this.storeTurn(call, content);
        yield { type: 'done', finishReason: delta.finishReason, usage: this.usage(call, delta.usage) };
      }
    }
  }

  private async prepare(request: ContextChatRequest): Promise<PreparedCall> {
    const context = await this.contexts.touch(request.context_id);
    if (!context) throw new DomainError(ErrorCode.ContextNotFound, `context ${request.context_id} does not exist or has expired`, { param: 'context_id' });
    if (request.model !== context.model) {
      throw new DomainError(ErrorCode.InvalidRequest, `model ${request.model} does not match the context's model ${context.model}`, { param: 'model' });
    }
    const newMessages = stored(request.messages);
    const history = context.history;
    const plan = planCall({
      strategy: context.truncation,
      prefixTokens: context.prefix_tokens,
      history: turnTotals(history),
      newTokens: newMessages.reduce((sum, m) => sum + m.tokens, 0),
      window: modelWindowTokens(context.model, context.truncation, this.config.llm.contextWindow),
      maxTokens: orUndefined(request.max_tokens),
    });
    const kept = history.filter((m) => m.turn >= plan.keepFromTurn);
    const cachedTokens = context.prefix_tokens + kept.reduce((sum, m) => sum + m.tokens, 0);
    const messages = [...context.messages, ...kept, ...newMessages].map(({ role, content }) => ({ role, content }));
    return {
      context,
      plan,
      newMessages,
      cachedTokens,
      meta: { id: `chatcmpl-${randomBytes(12).toString('hex')}`, created: Math.floor(Date.now() / 1000), model: this.model.responseModel(context.model) },
      request: {
        model: context.model,
        messages,
        temperature: orUndefined(request.temperature),
        topP: orUndefined(request.top_p),
        maxTokens: plan.maxTokens,
        stop: request.stop == null ? undefined : typeof request.stop === 'string' ? [request.stop] : request.stop,
        presencePenalty: orUndefined(request.presence_penalty),
        frequencyPenalty: orUndefined(request.frequency_penalty),
        logprobs: orUndefined(request.logprobs),
        topLogprobs: orUndefined(request.top_logprobs),
        logitBias: orUndefined(request.logit_bias),
        user: orUndefined(request.user),
      },
    };
  }

  /**
   * Session mode: stores the turn, then truncates. The truncation statement runs only when this
   * context's history may be over its budget (estimated from the history read for this call plus
   * this turn); it recomputes from what is stored, so concurrent turns are accounted for.
   */
  private async storeTurn(call: PreparedCall, reply: string): Promise<void> {
    const { context, plan } = call;
    if (context.mode !== 'session') return;
    const turn = [...call.newMessages, { role: 'assistant' as const, content: reply, tokens: countMessageTokens({ content: reply }) }];
    const stored = await this.contexts.appendTurn(context.id, turn);
    if (stored === undefined) return;
    const strategy = context.truncation;
    if (strategy?.type === 'last_history_tokens') {
      const estimate = [...context.history, ...turn].reduce((sum, m) => sum + m.tokens, 0);
      if (estimate > strategy.last_history_tokens) await this.contexts.keepNewestTurnsWithin(context.id, strategy.last_history_tokens);
    } else if (context.history.length > 0 && plan.keepFromTurn > context.history[0].turn) {
      await this.contexts.deleteTurnsBefore(context.id, plan.keepFromTurn);
    }
  }

  /** Upstream numbers when reported; cached = what the cache supplied, or the upstream's own figure when larger. */
  private usage(call: PreparedCall, usage: ChatUsage): ContextUsage {
    return {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      totalTokens: usage.totalTokens,
      cachedTokens: Math.min(usage.promptTokens, Math.max(call.cachedTokens, usage.cachedTokens)),
      reasoningTokens: usage.reasoningTokens,
    };
  }

  private windowFullUsage(call: PreparedCall): ContextUsage {
    const promptTokens = call.request.messages.reduce((sum, m) => sum + countMessageTokens(m), REPLY_PRIMER_TOKENS);
    return { promptTokens, completionTokens: 0, totalTokens: promptTokens, cachedTokens: call.cachedTokens, reasoningTokens: 0 };
  }
}

