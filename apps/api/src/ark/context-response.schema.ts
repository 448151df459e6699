import { z } from 'zod';
import type { CompletionMeta, ContextCompletion, CreatedContext } from '@fjord/context-cache';
import type { ChatLogprobs, FinishReason } from '@fjord/llm';
import { chatCompletionChunkSchema, chatCompletionSchema, openAiUsageSchema, toOpenAiUsage } from '../http/openai-chat.schema';

/** The Ark / OpenAI response shapes of the context API (api.md section 2), and the mapping to them. */

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
  usage: openAiUsageSchema,
});

/** The context API's completion and chunk: OpenAI's, with nothing added. */
export const contextCompletionSchema = chatCompletionSchema({});
export const contextChunkSchema = chatCompletionChunkSchema({});

export type CreateContextResponse = z.infer<typeof createContextResponseSchema>;
export type ChatCompletion = z.infer<typeof contextCompletionSchema>;
export type ChatCompletionChunk = z.infer<typeof contextChunkSchema>;

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
    usage: toOpenAiUsage(completion.usage),
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
