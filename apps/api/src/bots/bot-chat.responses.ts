import { z } from 'zod';
import type { KnowledgeChatResult, KnowledgeReference } from '@fjord/chat/knowledge-chat.types';
import { pointPositionSchema } from '@fjord/knowledge/points/point-position';

/** Bot v2 chat response shapes (api.md section 3), and the mapping to them. */

const SUMMARY_CHARS = 200;

export const botReferenceSchema = z.object({
  doc_id: z.string(),
  doc_name: z.string(),
  doc_type: z.string(),
  chunk_id: z.number().int(),
  chunk_title: z.string(),
  collection_name: z.string(),
  project: z.string(),
  title: z.string(),
  /** A short excerpt of the chunk: its first ~200 characters, whitespace collapsed. */
  summary: z.string(),
  /** (ext) page, sheet rows or slide of the passage. */
  position: pointPositionSchema.optional(),
  url: z.string().optional(),
  score: z.number(),
});
export type BotReference = z.infer<typeof botReferenceSchema>;

export const botUsageSchema = z.object({
  model_usage: z.array(z.object({ name: z.string(), prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() })),
  action_usage: z.array(
    z.object({ name: z.string(), search_count: z.number().int(), prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() }),
  ),
});
export type BotUsage = z.infer<typeof botUsageSchema>;

export const botChatResponseSchema = z.object({
  req_id: z.string(),
  choices: z.array(
    z.object({
      index: z.literal(0),
      message: z.object({ role: z.literal('assistant'), content: z.string(), references: z.array(botReferenceSchema) }),
      finish_reason: z.string(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: botUsageSchema,
  error: z.null(),
});
export type BotChatResponse = z.infer<typeof botChatResponseSchema>;

/** One SSE fragment: a delta (references on the first that has them), or the last with finish_reason and usage. */
export const botChatFragmentSchema = z.object({
  req_id: z.string(),
  choices: z.array(
    z.object({
      index: z.literal(0),
      message: z.object({ role: z.literal('assistant'), content: z.string(), references: z.array(botReferenceSchema).optional() }),
      finish_reason: z.string().nullable(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: botUsageSchema.optional(),
});
export type BotChatFragment = z.infer<typeof botChatFragmentSchema>;

export function summaryOf(content: string): string {
  const text = content.replace(/\s+/g, ' ').trim();
  if (text.length <= SUMMARY_CHARS) return text;
  const cut = text.slice(0, SUMMARY_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > SUMMARY_CHARS * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export function toBotReference(ref: KnowledgeReference): BotReference {
  return {
    doc_id: ref.docId,
    doc_name: ref.docName,
    doc_type: ref.docType,
    chunk_id: ref.chunkId,
    chunk_title: ref.chunkTitle,
    collection_name: ref.collectionName,
    project: ref.project,
    title: ref.title,
    summary: summaryOf(ref.content),
    ...(ref.position ? { position: ref.position } : {}),
    ...(ref.url ? { url: ref.url } : {}),
    score: ref.score,
  };
}

/** One model entry; one `knowledge_search` entry when the bot searched its knowledge (search_count = searches run). */
export function toBotUsage(result: KnowledgeChatResult): BotUsage {
  const { usage, search } = result;
  return {
    model_usage: [{ name: result.model, prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens }],
    action_usage:
      search.searchCount > 0
        ? [{ name: 'knowledge_search', search_count: search.searchCount, prompt_tokens: search.promptTokens, completion_tokens: search.completionTokens, total_tokens: search.totalTokens }]
        : [],
  };
}

export function toBotChatResponse(requestId: string, result: KnowledgeChatResult): BotChatResponse {
  return {
    req_id: requestId,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: result.answer, references: result.references.map(toBotReference) },
        finish_reason: result.finishReason,
        ...(result.logprobs ? { logprobs: result.logprobs } : {}),
      },
    ],
    usage: toBotUsage(result),
    error: null,
  };
}

export function toDeltaFragment(requestId: string, content: string, references?: KnowledgeReference[]): BotChatFragment {
  return {
    req_id: requestId,
    choices: [{ index: 0, message: { role: 'assistant', content, ...(references ? { references: references.map(toBotReference) } : {}) }, finish_reason: null }],
  };
}

export function toLastFragment(requestId: string, result: KnowledgeChatResult, references?: KnowledgeReference[]): BotChatFragment {
  return {
    req_id: requestId,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: '', ...(references ? { references: references.map(toBotReference) } : {}) },
        finish_reason: result.finishReason,
        ...(result.logprobs ? { logprobs: result.logprobs } : {}),
      },
    ],
    usage: toBotUsage(result),
  };
}
