import { z } from 'zod';
import type { BotRecord } from '@fjord/bots';
import type { KnowledgeChatResult, KnowledgeReference } from '@fjord/chat/knowledge-chat.types';
import {
  CompletionMeta,
  FINISH_REASONS,
  chatCompletionChunkSchema,
  chatCompletionSchema,
  toOpenAiUsage,
  toUsageChunk as toUsageFrame,
} from '../http/openai-chat.schema';
import { botReferenceSchema, toBotReference } from './bot-chat.responses';

/**
 * OpenAI response shapes of the bot door (api.md section 4): `chat.completion`, `chat.completion.chunk`
 * and the model list. `model` is the bot id the client asked for. `references` (ext) rides along in the
 * message (and in the first streamed delta); OpenAI clients ignore it, LangChain keeps it in the raw response.
 */

type FinishReason = (typeof FINISH_REASONS)[number];

export const openAiCompletionSchema = chatCompletionSchema({ references: z.array(botReferenceSchema) });
export type OpenAiCompletion = z.infer<typeof openAiCompletionSchema>;

export const openAiChunkSchema = chatCompletionChunkSchema({ references: z.array(botReferenceSchema).optional() });
export type OpenAiChunk = z.infer<typeof openAiChunkSchema>;

export const openAiModelListSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number().int(), owned_by: z.string(), name: z.string() })),
});
export type OpenAiModelList = z.infer<typeof openAiModelListSchema>;

function finishReason(value: string): FinishReason {
  return (FINISH_REASONS as readonly string[]).includes(value) ? (value as FinishReason) : 'stop';
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
  return toUsageFrame(meta, result.usage);
}

/** How a door writes a bot's answer in OpenAI's shapes; the OpenAI door and Ark's bot chat differ only here. */
export interface ChatCompletionFormat<Completion, Chunk> {
  completion(meta: CompletionMeta, result: KnowledgeChatResult): Completion;
  delta(meta: CompletionMeta, content: string, first: boolean, references: KnowledgeReference[] | undefined, includeUsage: boolean): Chunk;
  finish(meta: CompletionMeta, result: KnowledgeChatResult, first: boolean, references: KnowledgeReference[] | undefined, includeUsage: boolean): Chunk;
  usage(meta: CompletionMeta, result: KnowledgeChatResult): Chunk;
}

export const OPENAI_FORMAT: ChatCompletionFormat<OpenAiCompletion, OpenAiChunk> = {
  completion: toOpenAiCompletion,
  delta: toDeltaChunk,
  finish: toFinishChunk,
  usage: toUsageChunk,
};

export function toModelList(bots: BotRecord[]): OpenAiModelList {
  return {
    object: 'list',
    data: bots.map((bot) => ({ id: bot.id, object: 'model', created: Math.floor(bot.createdAt.getTime() / 1000), owned_by: 'fjord', name: bot.name })),
  };
}
