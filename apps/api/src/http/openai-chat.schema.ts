import { z } from 'zod';
import type { FinishReason } from '@fjord/llm';

/**
 * OpenAI's `chat.completion` / `chat.completion.chunk` shapes, written once for the two doors that
 * answer with them: the Ark context API (api.md section 2) and the bots' OpenAI door (section 4),
 * which adds `references` to the message and the first delta.
 */

export const FINISH_REASONS = ['stop', 'length', 'content_filter'] as const satisfies readonly FinishReason[];

export const openAiUsageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
  /** Absent only where nothing was generated (context/create). */
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }).optional(),
});
export type OpenAiUsage = z.infer<typeof openAiUsageSchema>;

const logprobsSchema = z.object({ content: z.array(z.unknown()).nullable() }).passthrough().nullable();

/** `choices[].message` is `{ role, content }` plus `messageExtra`. */
export function chatCompletionSchema<Extra extends z.ZodRawShape>(messageExtra: Extra) {
  return z.object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal('assistant'), content: z.string(), ...messageExtra }),
        finish_reason: z.enum(FINISH_REASONS),
        logprobs: logprobsSchema,
      }),
    ),
    usage: openAiUsageSchema,
  });
}

/** `choices[].delta` is `{ role?, content? }` plus `deltaExtra`; `usage` only with include_usage. */
export function chatCompletionChunkSchema<Extra extends z.ZodRawShape>(deltaExtra: Extra) {
  return z.object({
    id: z.string(),
    object: z.literal('chat.completion.chunk'),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional(), ...deltaExtra }),
        finish_reason: z.enum(FINISH_REASONS).nullable(),
        logprobs: logprobsSchema,
      }),
    ),
    usage: openAiUsageSchema.nullable().optional(),
  });
}

/** Token counts as the context cache and knowledge chat both report them. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export function toOpenAiUsage(usage: TokenUsage): OpenAiUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

/** Identifies one completion across its chunks. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

/** The final frame of `stream_options.include_usage`: no choices. */
export function toUsageChunk(meta: CompletionMeta, usage: TokenUsage) {
  return { id: meta.id, object: 'chat.completion.chunk' as const, created: meta.created, model: meta.model, choices: [], usage: toOpenAiUsage(usage) };
}

