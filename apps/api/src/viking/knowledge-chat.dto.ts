import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import type { KnowledgeChatRequest, RetrievalSpec } from '@fjord/chat';
import { collectionName, collectionRef } from '@fjord/knowledge/schemas/common.schema';

/** The Viking knowledge chat contracts (api.md section 1, Knowledge chat; search_and_generate). */

export const MAX_CHAT_TOKENS = 4096;
export const DEFAULT_CHAT_TEMPERATURE = 0.1;
const MAX_COLLECTIONS = 10;

/** `content` is a string, or OpenAI's list of text parts (joined). */
const content = z
  .union([z.string().max(200_000), z.array(z.object({ type: z.literal('text'), text: z.string() })).max(100)])
  .transform((c) => (typeof c === 'string' ? c : c.map((part) => part.text).join('')));

const message = z.object({ role: z.enum(['system', 'user', 'assistant']), content });

/** One entry of `collections`: `{resource_id}` or `{name, project}`. */
const collectionItem = collectionRef.refine((ref) => Boolean(ref.resource_id || ref.name || ref.collection_name), 'name the collection with resource_id or name (+ project)');

export const knowledgeChatSchema = z
  .object({
    model: z.string().min(1).max(256),
    messages: z.array(message).min(1, { message: 'messages must not be empty' }).max(256),
    stream: z.boolean().default(false),
    /** 0..4096; 0 means "no limit of fjord's own": the model's default applies. */
    max_tokens: z.number().int().min(0).max(MAX_CHAT_TOKENS).default(MAX_CHAT_TOKENS),
    temperature: z.number().min(0).max(1).default(DEFAULT_CHAT_TEMPERATURE),
    top_p: z.number().min(0).max(1).optional(),
    /** Doubao deep thinking, forwarded to the model as is. */
    thinking: z.object({ type: z.enum(['enabled', 'disabled', 'auto']) }).optional(),
    /** Sent by the Viking SDK; the model name alone picks the model here (LLM_MODEL_MAP). */
    model_version: z.string().max(128).optional(),
    /** Sent by the Viking SDK for Viking's own model billing; fjord's upstream key is its own. Never stored or logged. */
    api_key: z.string().max(1024).optional(),
    return_token_usage: z.boolean().optional(),
    // (ext) retrieval
    resource_id: z.string().min(1).max(128).optional(),
    collection_name: collectionName.optional(),
    project: z.string().min(1).max(64).optional(),
    collections: z.array(collectionItem).min(1).max(MAX_COLLECTIONS).optional(),
    limit: z.number().int().min(1).max(200).optional(),
    dense_weight: z.number().min(0).max(1).optional(),
    /** Validated as in search_knowledge (`{doc_filter}`) when the chat retrieves. */
    query_param: z.record(z.string(), z.unknown()).optional(),
    /** Validated as in search_knowledge when the chat retrieves. */
    post_processing: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.messages.at(-1)?.role !== 'user') {
      ctx.addIssue({ code: 'custom', path: ['messages', body.messages.length - 1, 'role'], message: 'the last message must be a user message' });
    }
    if (body.collections && (body.resource_id || body.collection_name)) {
      ctx.addIssue({ code: 'custom', path: ['collections'], message: 'give either collections or resource_id/collection_name, not both' });
    }
    if (body.project && !body.collection_name && !body.collections) {
      ctx.addIssue({ code: 'custom', path: ['project'], message: 'project needs collection_name' });
    }
    const retrieves = Boolean(body.collections || body.resource_id || body.collection_name);
    for (const key of ['limit', 'dense_weight', 'query_param', 'post_processing'] as const) {
      if (!retrieves && body[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} needs a collection (resource_id, collection_name or collections)` });
    }
  });
export type KnowledgeChatInput = z.infer<typeof knowledgeChatSchema>;

function retrievalOf(body: KnowledgeChatInput): RetrievalSpec | undefined {
  const collections = body.collections ?? (body.resource_id || body.collection_name ? [{ resource_id: body.resource_id, collection_name: body.collection_name, project: body.project ?? 'default' }] : undefined);
  if (!collections) return undefined;
  return { collections, limit: body.limit, denseWeight: body.dense_weight, queryParam: body.query_param, postProcessing: body.post_processing };
}

export function toKnowledgeChatRequest(body: KnowledgeChatInput): KnowledgeChatRequest {
  return {
    model: body.model,
    messages: body.messages,
    retrieval: retrievalOf(body),
    parameters: { maxTokens: body.max_tokens === 0 ? undefined : body.max_tokens, temperature: body.temperature, topP: body.top_p, thinking: body.thinking },
  };
}

export const searchAndGenerateSchema = collectionRef.extend({
  query: z.string().min(1).max(8000),
  query_param: z.record(z.string(), z.unknown()).optional(),
  retrieve_param: z
    .object({
      limit: z.number().int().min(1).max(200).optional(),
      dense_weight: z.number().min(0).max(1).optional(),
      rerank_switch: z.boolean().optional(),
      retrieve_count: z.number().int().min(1).max(200).optional(),
      chunk_diffusion_count: z.number().int().min(0).max(5).optional(),
      chunk_group: z.boolean().optional(),
    })
    .optional(),
  llm_param: z
    .object({
      model: z.string().min(1).max(256).optional(),
      max_new_tokens: z.number().int().min(0).max(MAX_CHAT_TOKENS).optional(),
      temperature: z.number().min(0).max(1).optional(),
      top_p: z.number().min(0).max(1).optional(),
      top_k: z.number().int().min(0).optional(),
      /** A system prompt in place of the default. */
      prompt: z.string().max(20_000).optional(),
    })
    .optional(),
});
export type SearchAndGenerateInput = z.infer<typeof searchAndGenerateSchema>;

export function toSearchAndGenerateRequest(body: SearchAndGenerateInput): KnowledgeChatRequest {
  const { limit, dense_weight, ...post } = body.retrieve_param ?? {};
  const llm = body.llm_param ?? {};
  return {
    model: llm.model,
    systemPrompt: llm.prompt,
    messages: [{ role: 'user', content: body.query }],
    retrieval: {
      collections: [{ resource_id: body.resource_id, name: body.name, collection_name: body.collection_name, project: body.project }],
      limit,
      denseWeight: dense_weight,
      queryParam: body.query_param,
      postProcessing: Object.keys(post).length ? post : undefined,
    },
    parameters: {
      maxTokens: llm.max_new_tokens ? llm.max_new_tokens : MAX_CHAT_TOKENS,
      temperature: llm.temperature ?? DEFAULT_CHAT_TEMPERATURE,
      topP: llm.top_p,
      topK: llm.top_k,
    },
  };
}

export class KnowledgeChatDto extends createZodDto(knowledgeChatSchema) {}
export class SearchAndGenerateDto extends createZodDto(searchAndGenerateSchema) {}
