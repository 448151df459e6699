import { z } from 'zod';
import { collectionRef } from '@fjord/knowledge/schemas/common.schema';
import { MAX_LIMIT, MAX_RETRIEVE_COUNT, docFilterSchema } from '@fjord/search/schemas/search.schema';

/** The request contracts of api.md section 3 (Bot API v2): bot management and bot chat. */

export const MAX_NEW_TOKENS = 131_072;

/** What a bot retrieves from: the same knobs as search_knowledge, without the query. */
export const botKnowledgeSchema = z.object({
  collections: z.array(collectionRef).min(1).max(10),
  limit: z.number().int().min(1).max(MAX_LIMIT).optional(),
  dense_weight: z.number().min(0).max(1).optional(),
  query_param: z.object({ doc_filter: docFilterSchema.optional() }).optional(),
  post_processing: z
    .object({
      rerank_switch: z.boolean().optional(),
      retrieve_count: z.number().int().min(1).max(MAX_RETRIEVE_COUNT).optional(),
      rerank_model: z.string().min(1).max(128).optional(),
      chunk_diffusion_count: z.number().int().min(0).max(5).optional(),
      chunk_group: z.boolean().optional(),
    })
    .optional(),
});
export type BotKnowledge = z.infer<typeof botKnowledgeSchema>;

const penalty = z.number().min(-2).max(2);
const maxTokens = z.number().int().min(1).max(MAX_NEW_TOKENS);

/** `extra`: free-form; the keys fjord understands are checked, others are accepted and ignored. */
const extraSchema = z.looseObject({
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).optional(),
  presence_penalty: penalty.optional(),
  top_logprobs: z.number().int().min(0).max(20).optional(),
});

/**
 * Chat parameters, as a bot's defaults and per request. `max_new_tokens`/`max_tokens` and
 * `repetition_penalty`/`frequency_penalty` are aliases: give one of each pair (or the same value twice).
 */
export const botParametersSchema = z
  .object({
    max_new_tokens: maxTokens.optional(),
    max_tokens: maxTokens.optional(),
    temperature: z.number().gt(0).max(1).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    top_k: z.number().int().min(0).max(1000).optional(),
    repetition_penalty: penalty.optional(),
    frequency_penalty: penalty.optional(),
    logprobs: z.boolean().optional(),
    top_logprobs: z.number().int().min(0).max(20).optional(),
    logit_bias: z.record(z.string().regex(/^\d+$/, 'logit_bias keys are token ids'), z.number().min(-100).max(100)).optional(),
    extra: extraSchema.optional(),
  })
  .superRefine((p, ctx) => {
    for (const [a, b] of [
      ['max_new_tokens', 'max_tokens'],
      ['repetition_penalty', 'frequency_penalty'],
    ] as const) {
      if (p[a] !== undefined && p[b] !== undefined && p[a] !== p[b]) {
        ctx.addIssue({ code: 'custom', path: [b], message: `${a} and ${b} are aliases; give one of them` });
      }
    }
  });
export type BotParameters = z.infer<typeof botParametersSchema>;

const botName = z.string().trim().min(1).max(128);
const botModel = z.string().trim().min(1).max(128);
const description = z.string().max(4000);
const systemPrompt = z.string().max(100_000);

export const createBotSchema = z.object({
  name: botName,
  description: description.default(''),
  model: botModel,
  system_prompt: systemPrompt.default(''),
  knowledge: botKnowledgeSchema.nullish(),
  parameters: botParametersSchema.default({}),
});
export type CreateBotInput = z.infer<typeof createBotSchema>;

/** PUT replaces the fields it gives and keeps the others; `knowledge: null` removes the knowledge. */
export const updateBotSchema = z.object({
  name: botName.optional(),
  description: description.optional(),
  model: botModel.optional(),
  system_prompt: systemPrompt.optional(),
  knowledge: botKnowledgeSchema.nullable().optional(),
  parameters: botParametersSchema.optional(),
});
export type UpdateBotInput = z.infer<typeof updateBotSchema>;

export const BOT_ID_PATTERN = /^bot-[A-Za-z0-9-]{1,96}$/;
export const botIdSchema = z.string().regex(BOT_ID_PATTERN, 'must be a bot id (bot-...)');

export const botChatMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string().max(200_000),
});
export type BotChatMessage = z.infer<typeof botChatMessageSchema>;

export const botChatSchema = z.object({
  messages: z
    .array(botChatMessageSchema)
    .min(1)
    .max(500)
    .refine((messages) => messages[messages.length - 1]?.role === 'user', 'the last message must be a user message'),
  stream: z.boolean().default(false),
  parameters: botParametersSchema.optional(),
});
export type BotChatInput = z.infer<typeof botChatSchema>;

/** GetApiKey (api.md section 3, Temporary keys), OpenAPI-style names. */
export const MAX_KEY_DURATION_SECONDS = 2_592_000;
export const getApiKeySchema = z.object({
  DurationSeconds: z.number().int().min(1).max(MAX_KEY_DURATION_SECONDS),
  ResourceType: z.literal('bot'),
  ResourceIds: z.array(z.string().min(1).max(128)).min(1).max(100),
});
export type GetApiKeyInput = z.infer<typeof getApiKeySchema>;
