import { z } from 'zod';
import { collectionRef } from '@fjord/knowledge/schemas/common.schema';

/** The request contracts of api.md section 1, Search: search_knowledge (and its alias search), service/rerank. */

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
    query: z.string().min(1).max(8000),
    limit: z.number().int().min(1).max(MAX_LIMIT).default(10),
    dense_weight: z.number().min(0).max(1).default(0.5),
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
/** The body as a client writes it (optional fields may be left out). */
export type SearchKnowledgeRequest = z.input<typeof searchKnowledgeSchema>;

export const rerankSchema = z.object({
  datas: z
    .array(z.object({ query: z.string().min(1).max(8000), content: z.string().min(1).max(200_000), title: z.string().max(1024).optional() }))
    .min(1)
    .max(200),
  rerank_model: z.string().min(1).max(128).optional(),
});
export type RerankInput = z.infer<typeof rerankSchema>;
