import { z } from 'zod';
import type { CompletionMeta, ContextCompletion, ContextUsage, CreatedContext } from '@fjord/context-cache';
import type { ChatLogprobs, FinishReason } from '@fjord/llm';

/** The Ark / OpenAI response shapes of the context API (api.md section 2), and the mapping to them. */

export const usageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
});

export const createContextResponseSchema = z.object({
  id: z.string(),
  model: z.string(),
  mode: z.enum(['session', 'common_prefix']),
  ttl: z.number().int(),
  truncation_strategy: z
    .object({
      type: z.enum(['last_history_tokens', 'rolling_tokens']),
      last_history_tokens: z.number().int().optional(),
      rolling_tokens: z.boolean().optional(),
      max_window_tokens: z.number().int().optional(),
      rolling_window_tokens: z.number().int().optional(),
    })
    .nullable(),
  usage: usageSchema,
});

const logprobsSchema = z.object({ content: z.array(z.unknown()).nullable() }).passthrough().nullable();

export const chatCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string() }),
      finish_reason: z.enum(['stop', 'length', 'content_filter']),
      logprobs: logprobsSchema,
    }),
  ),
  usage: usageSchema,
});

export const chatCompletionChunkSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional() }),
      finish_reason: z.enum(['stop', 'length', 'content_filter']).nullable(),
      logprobs: logprobsSchema,
    }),
  ),
  usage: usageSchema.nullable().optional(),
});

export type CreateContextResponse = z.infer<typeof createContextResponseSchema>;
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;
export type ChatCompletionChunk = z.infer<typeof chatCompletionChunkSchema>;
type Usage = z.infer<typeof usageSchema>;

export function toUsage(usage: ContextUsage): Usage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

export function toCreateContextResponse(context: CreatedContext): CreateContextResponse {
  return {
    id: context.id,
    model: context.model,
    mode: context.mode,
    ttl: context.ttl,
    truncation_strategy: context.truncationStrategy,
    usage: {
      prompt_tokens: context.promptTokens,
      completion_tokens: 0,
      total_tokens: context.promptTokens,
      prompt_tokens_details: { cached_tokens: 0 },
    },
  };
}

export function toChatCompletion(completion: ContextCompletion): ChatCompletion {
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.content },
        finish_reason: completion.finishReason,
        logprobs: completion.logprobs,
      },
    ],
    usage: toUsage(completion.usage),
  };
}

/** One streamed frame; `usage: null` on every frame when the client asked for include_usage, as OpenAI does. */
export function toChunk(
  meta: CompletionMeta,
  delta: ChatCompletionChunk['choices'][number]['delta'],
  finishReason: FinishReason | null,
  logprobs: ChatLogprobs | null,
  includeUsage: boolean,
): ChatCompletionChunk {
  return {
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, finish_reason: finishReason, logprobs }],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The final usage frame of `stream_options.include_usage`: no choices. */
export function toUsageChunk(meta: CompletionMeta, usage: ContextUsage): ChatCompletionChunk {
  return { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices: [], usage: toUsage(usage) };
}
