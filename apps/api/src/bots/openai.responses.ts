import { z } from 'zod';
import type { BotRecord } from '@fjord/bots';
import type { ChatUsage, KnowledgeChatResult, KnowledgeReference } from '@fjord/chat/knowledge-chat.types';
import { botReferenceSchema, toBotReference } from './bot-chat.responses';

/**
 * OpenAI response shapes of the bot door (api.md section 4): `chat.completion`, `chat.completion.chunk`
 * and the model list. `model` is the bot id the client asked for. `references` (ext) rides along in the
 * message (and in the first streamed delta); OpenAI clients ignore it, LangChain keeps it in the raw response.
 */

const FINISH_REASONS = ['stop', 'length', 'content_filter'] as const;
type FinishReason = (typeof FINISH_REASONS)[number];

export const openAiUsageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
  completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
});
export type OpenAiUsage = z.infer<typeof openAiUsageSchema>;

export const openAiCompletionSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string(), references: z.array(botReferenceSchema) }),
      finish_reason: z.enum(FINISH_REASONS),
      logprobs: z.unknown().nullable(),
    }),
  ),
  usage: openAiUsageSchema,
});
export type OpenAiCompletion = z.infer<typeof openAiCompletionSchema>;

export const openAiChunkSchema = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal('assistant').optional(), content: z.string().optional(), references: z.array(botReferenceSchema).optional() }),
      finish_reason: z.enum(FINISH_REASONS).nullable(),
      logprobs: z.unknown().nullable(),
    }),
  ),
  usage: openAiUsageSchema.nullable().optional(),
});
export type OpenAiChunk = z.infer<typeof openAiChunkSchema>;

export const openAiModelListSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string(), name: z.string() })),
});
export type OpenAiModelList = z.infer<typeof openAiModelListSchema>;

/** Identifies one completion across its chunks. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

function finishReason(value: string): FinishReason {
  return (FINISH_REASONS as readonly string[]).includes(value) ? (value as FinishReason) : 'stop';
}

export function toOpenAiUsage(usage: ChatUsage): OpenAiUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

export function toOpenAiCompletion(meta: CompletionMeta, result: KnowledgeChatResult): OpenAiCompletion {
  return {
    ...meta,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: result.answer, references: result.references.map(toBotReference) },
        finish_reason: finishReason(result.finishReason),
        logprobs: result.logprobs ?? null,
      },
    ],
    usage: toOpenAiUsage(result.usage),
  };
}

/** `usage: null` on every frame when the client asked for include_usage, as OpenAI does. */
export function toDeltaChunk(meta: CompletionMeta, content: string, first: boolean, references: KnowledgeReference[] | undefined, includeUsage: boolean): OpenAiChunk {
  return {
    ...meta,
    object: 'chat.completion.chunk',
    choices: [
      {
        index: 0,
        delta: { ...(first ? { role: 'assistant' as const } : {}), content, ...(references ? { references: references.map(toBotReference) } : {}) },
        finish_reason: null,
        logprobs: null,
      },
    ],
    ...(includeUsage ? { usage: null } : {}),
  };
}

export function toFinishChunk(meta: CompletionMeta, result: KnowledgeChatResult, first: boolean, references: KnowledgeReference[] | undefined, includeUsage: boolean): OpenAiChunk {
  return {
    ...meta,
    object: 'chat.completion.chunk',
    choices: [
      {
        index: 0,
        delta: { ...(first ? { role: 'assistant' as const } : {}), ...(references ? { references: references.map(toBotReference) } : {}) },
        finish_reason: finishReason(result.finishReason),
        logprobs: null,
      },
    ],
    ...(includeUsage ? { usage: null } : {}),
  };
}

/** The final frame of `stream_options.include_usage`: no choices. */
export function toUsageChunk(meta: CompletionMeta, result: KnowledgeChatResult): OpenAiChunk {
  return { ...meta, object: 'chat.completion.chunk', choices: [], usage: toOpenAiUsage(result.usage) };
}

export function toModelList(bots: BotRecord[]): OpenAiModelList {
  return {
    object: 'list',
    data: bots.map((bot) => ({ id: bot.id, object: 'model', created: Math.floor(bot.createdAt.getTime() / 1000), owned_by: 'fjord', name: bot.name })),
  };
}
