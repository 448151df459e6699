import { z } from 'zod';
import { collectionRef } from '@fjord/knowledge/schemas/common.schema';

/** The request contracts of api.md section 1, Search: search_knowledge (and its alias search), service/rerank. */

/**
 * A query: api.md counts its 1..8000 in characters, so code points (an emoji is one character, two
 * UTF-16 units), and a query of only spaces has nothing to search for.
 */
const queryText = z
  .string()
  .refine((q) => q.trim().length > 0, 'must contain a non-space character')
  .refine((q) => q.length <= 8000 || [...q].length <= 8000, 'must be at most 8000 characters');

const scalar = z.union([z.string().max(1024), z.number().finite(), z.boolean()]);

export type DocFilter =
  | { op: 'must' | 'must_not'; field: string; conds: Array<string | number | boolean> }
  | { op: 'range' | 'range_out'; field: string; gt?: number; gte?: number; lt?: number; lte?: number }
  | { op: 'and' | 'or'; conds: DocFilter[] };

const fieldName = z.string().min(1).max(64);

const matchFilter = z.object({ op: z.enum(['must', 'must_not']), field: fieldName, conds: z.array(scalar).min(1).max(1000) });

const rangeFilter = z
  .object({
    op: z.enum(['range', 'range_out']),
    field: fieldName,
    gt: z.number().finite().optional(),
    gte: z.number().finite().optional(),
    lt: z.number().finite().optional(),
    lte: z.number().finite().optional(),
  })
  .refine((f) => [f.gt, f.gte, f.lt, f.lte].some((b) => b !== undefined), 'a range needs at least one of gt, gte, lt, lte')
  .refine((f) => f.gt === undefined || f.gte === undefined, 'give gt or gte, not both')
  .refine((f) => f.lt === undefined || f.lte === undefined, 'give lt or lte, not both');

/** Recursive: and/or hold filters. Depth and width are bounded by the service (MAX_FILTER_DEPTH). */
export const docFilterSchema: z.ZodType<DocFilter> = z.lazy(() =>
  z.union([matchFilter, rangeFilter, z.object({ op: z.enum(['and', 'or']), conds: z.array(docFilterSchema).min(1).max(100) })]),
);

export const MAX_LIMIT = 200;
export const MAX_RETRIEVE_COUNT = 200;

export const searchKnowledgeSchema = collectionRef
  .extend({
    query: queryText,
    limit: z.number().int().min(1).max(MAX_LIMIT).default(10),
    /** Left out: the collection's default, which follows its embedder (defaultDenseWeight). */
    dense_weight: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("0 = lexical (BM25) only, 1 = dense only; left out: the collection's default (0.3 for the local hashing embedder, 0.5 for a learned model)"),
    query_param: z.object({ doc_filter: docFilterSchema.optional() }).optional(),
    pre_processing: z
      .object({
        need_instruction: z.boolean().optional(),
        rewrite: z.boolean().optional(),
        messages: z.array(z.object({ role: z.string(), content: z.unknown() })).max(100).optional(),
        return_token_usage: z.boolean().optional(),
      })
      .optional(),
    post_processing: z
      .object({
        rerank_switch: z.boolean().default(false),
        retrieve_count: z.number().int().min(1).max(MAX_RETRIEVE_COUNT).default(25),
        rerank_model: z.string().min(1).max(128).optional(),
        chunk_diffusion_count: z.number().int().min(0).max(5).default(0),
        chunk_group: z.boolean().default(false),
        get_attachment_link: z.boolean().optional(),
      })
      .prefault({}),
    /**
     * (ext) a relevance floor: items whose ranking score (rerank_score when reranked, else the fused
     * score) is below it are left out. Fused scores are 0..1; a rerank service may use any scale.
     */
    score_threshold: z
      .number()
      .finite()
      .optional()
      .describe('(ext) leave out items whose rerank_score (when reranked) or fused score is below this floor (inclusive)'),
    /** (ext) per-signal ranks and scores on every result item. */
    debug: z.boolean().default(false),
  })
  .superRefine((body, ctx) => {
    const post = body.post_processing;
    if (post.rerank_switch && post.retrieve_count < body.limit) {
      ctx.addIssue({ code: 'custom', path: ['post_processing', 'retrieve_count'], message: `must be at least limit (${body.limit}) when rerank_switch is on` });
    }
  });
export type SearchKnowledgeInput = z.infer<typeof searchKnowledgeSchema>;

const LEGACY_RERANK_FIELDS = ['rerank_switch', 'retrieve_count', 'rerank_model'] as const;

/**
 * `collection/search`, the legacy name, as the Viking SDK's `search_collection` sends it:
 * `rerank_switch`, `retrieve_count` and `rerank_model` at the top level rather than in
 * `post_processing` (which wins where both set a field). Its `rerank_only_chunk` and `endpoint_id`
 * are accepted and change nothing: the reranker always sees title and content, and models are
 * chosen by RERANK_MODEL / rerank_model.
 */
export const legacySearchSchema = z.preprocess((body) => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  const lifted = Object.fromEntries(LEGACY_RERANK_FIELDS.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]));
  if (Object.keys(lifted).length === 0) return body;
  const post = record.post_processing;
  if (post !== undefined && (typeof post !== 'object' || post === null || Array.isArray(post))) return body;
  return { ...record, post_processing: { ...lifted, ...(post as object | undefined) } };
}, searchKnowledgeSchema);
/** The body as a client writes it (optional fields may be left out). */
export type SearchKnowledgeRequest = z.input<typeof searchKnowledgeSchema>;

export const rerankSchema = z.object({
  datas: z
    .array(z.object({ query: queryText, content: z.string().min(1).max(200_000), title: z.string().max(1024).optional() }))
    .min(1)
    .max(200),
  rerank_model: z.string().min(1).max(128).optional(),
});
export type RerankInput = z.infer<typeof rerankSchema>;
