import { z } from 'zod';
import { FIELD_TYPES } from '@fjord/knowledge';
import { pointPositionSchema } from '@fjord/knowledge/points/point-position';
import type { collectionInfo, collectionRef, docInfo, docRef, docStatusSummary, pointInfo } from './viking.responses';
import type { rerankResponse, searchResponse } from './search.responses';
import type { chatCompletionData, searchAndGenerateData } from './knowledge-chat.responses';

/**
 * The `data` of each Viking answer, as the OpenAPI document describes it (and the console's generated client
 * types it). The mappers in viking.responses.ts and friends build these shapes; the type checks at the bottom
 * fail compilation when a mapper and its schema drift apart.
 */

const millis = z.number().int().describe('unix milliseconds');
const field = z.object({ field_name: z.string(), field_type: z.enum(FIELD_TYPES), default_val: z.unknown().optional() });

export const collectionRefSchema = z
  .object({ resource_id: z.string(), name: z.string(), project: z.string() })
  .meta({ example: { resource_id: 'kb-3f2a9c1d5e7b4a60', name: 'handbook', project: 'default' } });

export const embeddingMigrationSchema = z
  .object({
    source_model: z.string().describe('the model the collection was embedded with when the migration started'),
    target_model: z.string(),
    status: z.enum(['running', 'done', 'failed', 'cancelled']).describe('searches switch to target_model only at done'),
    stage: z.enum(['clearing', 'embedding', 'indexing', 'switching', 'finished']),
    points_done: z.number().int().describe('points embedded with target_model so far'),
    points_total: z.number().int(),
    started_at: z.string().describe('ISO 8601'),
    finished_at: z.string().optional().describe('ISO 8601, once done, failed or cancelled'),
    failed_reason: z.string().optional().describe('why it failed or was cancelled'),
  })
  .describe('(ext) the newest embedding-model migration (collection/update with embedding_model)')
  .meta({
    example: {
      source_model: 'fjord-local-hash-v1',
      target_model: 'bge-m3',
      status: 'running',
      stage: 'embedding',
      points_done: 2048,
      points_total: 5183,
      started_at: '2026-11-30T13:05:00.000Z',
    },
  });

export const collectionUpdateSchema = z
  .object({
    embedding_migration: z
      .enum(['started', 'cancelled', 'unchanged'])
      .describe('(ext) what embedding_model did: started a migration, cancelled the running one, or nothing (already the model)'),
  })
  .nullable()
  .describe('null unless embedding_model was given')
  .meta({ example: { embedding_migration: 'started' } });

export const collectionInfoSchema = z
  .object({
    collection_name: z.string(),
    resource_id: z.string(),
    project: z.string(),
    description: z.string(),
    doc_num: z.number().int().describe('documents in the collection'),
    point_num: z.number().int().describe('(ext) points (chunks) of its documents'),
    create_time: millis,
    update_time: millis,
    data_type: z.string(),
    preprocessing: z.object({ chunking_strategy: z.string(), chunk_length: z.number().int(), merge_small_chunks: z.boolean() }),
    fields: z.array(field).describe('(ext) the declared meta fields, as in index_config.fields'),
    default_dense_weight: z
      .number()
      .describe("(ext) the dense_weight a search of this collection uses when it gives none: 0.3 for the local hashing embedder, 0.5 for a learned model"),
    pipeline_list: z.array(
      z.object({
        index_list: z.array(
          z.object({
            index_type: z.string(),
            index_config: z.object({
              fields: z.array(field),
              embedding_model: z
                .string()
                .describe('the model that embeds this collection: `fjord-local-hash-v1` is the built-in hashing embedder (matches words, not meaning)'),
              embedding_dimension: z.number().int(),
              quant: z.string(),
            }),
            status: z.string(),
          }),
        ),
      }),
    ),
    embedding_migration: embeddingMigrationSchema.optional(),
  });

export const collectionListSchema = z.object({ collection_list: z.array(collectionInfoSchema), total_num: z.number().int() });

export const docRefSchema = z
  .object({ collection_name: z.string(), resource_id: z.string(), doc_id: z.string() })
  .meta({ example: { collection_name: 'handbook', resource_id: 'kb-3f2a9c1d5e7b4a60', doc_id: 'travel-policy' } });

export const ingestionProgressSchema = z.object({
  stage: z.enum(['queued', 'fetching', 'parsing', 'ocr', 'chunking', 'embedding', 'indexing', 'done', 'failed']),
  chunks_done: z.number().int(),
  chunks_total: z.number().int(),
});

export const docInfoSchema = z
  .object({
    collection_name: z.string(),
    doc_id: z.string(),
    doc_name: z.string(),
    doc_type: z.string(),
    doc_hash: z.string(),
    add_type: z.string(),
    create_time: millis,
    update_time: millis,
    url: z.string().optional(),
    point_num: z.number().int(),
    total_tokens: z.number().int(),
    status: z.object({
      process_status: z.number().int().describe('0 done, 1 failed, 2 queued, 5 deleting, 6 processing'),
      failed_code: z.number().int().optional(),
      failed_reason: z.string().optional().describe('(ext) why it failed, readable'),
    }),
    meta: z.string().describe('the meta list, JSON-encoded'),
    progress: ingestionProgressSchema.optional().describe('(ext) stage and chunks done out of the total'),
  })
  .meta({

    example: {
      collection_name: 'handbook',
      doc_id: 'travel-policy',
      doc_name: 'travel-policy.md',
      doc_type: 'md',
      doc_hash: '9f86d081884c7d65',
      add_type: 'file',
      create_time: 1764489600000,
      update_time: 1764489603000,
      point_num: 12,
      total_tokens: 3120,
      status: { process_status: 0 },
      meta: '[]',
      progress: { stage: 'done', chunks_done: 12, chunks_total: 12 },
    },
  });

export const docListSchema = z.object({ doc_list: z.array(docInfoSchema), total_num: z.number().int() });

const statusCountSchema = z
  .object({
    queued: z.number().int().describe('process_status 2'),
    processing: z.number().int().describe('process_status 6'),
    done: z.number().int().describe('process_status 0'),
    failed: z.number().int().describe('process_status 1'),
    deleting: z.number().int().describe('process_status 5'),
  })
  .describe('documents in each process_status');

export const docStatusSummarySchema = z
  .object({
    status_count: statusCountSchema,
    total_num: z.number().int().describe('documents counted'),
    collection_list: z
      .array(z.object({ collection_name: z.string(), resource_id: z.string(), project: z.string(), status_count: statusCountSchema, total_num: z.number().int() }))
      .describe('the same counts for each collection that has documents'),
    recent_failures: z
      .array(
        z.object({
          collection_name: z.string(),
          resource_id: z.string(),
          project: z.string(),
          doc_id: z.string(),
          doc_name: z.string(),
          doc_type: z.string(),
          failed_code: z.number().int().nullable(),
          failed_reason: z.string().nullable().describe('why it failed, readable'),
          attempts: z.number().int().describe('processing attempts of this version'),
          update_time: millis,
        }),
      )
      .describe('the latest failed documents, newest first (failure_limit of them); doc/retry queues one again'),
  })
  .meta({
    example: {
      status_count: { queued: 3, processing: 2, done: 1840, failed: 1, deleting: 0 },
      total_num: 1846,
      collection_list: [
        { collection_name: 'handbook', resource_id: 'kb-3f2a9c1d5e7b4a60', project: 'default', status_count: { queued: 3, processing: 2, done: 1840, failed: 1, deleting: 0 }, total_num: 1846 },
      ],
      recent_failures: [
        {
          collection_name: 'handbook',
          resource_id: 'kb-3f2a9c1d5e7b4a60',
          project: 'default',
          doc_id: 'scan-2019',
          doc_name: 'scan-2019.pdf',
          doc_type: 'pdf',
          failed_code: 3,
          failed_reason: 'PDF could not be read: Invalid PDF structure',
          attempts: 1,
          update_time: 1764489603000,
        },
      ],
    },
  });

export const pointDocInfoSchema = z.object({
  doc_id: z.string(),
  doc_name: z.string(),
  create_time: z.number().int().describe('unix seconds'),
  doc_type: z.string(),
  doc_meta: z.string().describe('JSON-encoded meta'),
  source: z.string(),
  title: z.string(),
});

export const pointSchema = z
  .object({
    point_id: z.string(),
    collection_name: z.string(),
    doc_info: pointDocInfoSchema,
    chunk_id: z.number().int().describe('order in the document'),
    chunk_title: z.string(),
    chunk_type: z.string(),
    content: z.string(),
    position: pointPositionSchema.optional(),
    process_time: millis,
    update_time: millis,
  });

export const pointListSchema = z.object({ point_list: z.array(pointSchema), total_num: z.number().int() });

const signal = z.object({ rank: z.number().int(), score: z.number() }).nullable();

export const searchItemSchema = z
  .object({
    id: z.string(),
    point_id: z.string(),
    content: z.string(),
    score: z.number(),
    rerank_score: z.number().optional(),
    chunk_id: z.number().int(),
    chunk_title: z.string(),
    chunk_type: z.string(),
    process_time: millis,
    position: pointPositionSchema.optional(),
    recall_position: z.number().int(),
    rerank_position: z.number().int().optional(),
    doc_info: pointDocInfoSchema,
    debug: z
      .object({ dense: signal, lexical: signal, fused: signal, rerank: signal, diffused_from: z.string().optional() })
      .optional()
      .describe('(ext, with debug: true) each signal\'s 1-based rank and raw score; null when the point was not in that list'),
  });

const tokens = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

export const searchResponseSchema = z.object({
  collection_name: z.string(),
  count: z.number().int(),
  rewrite_query: z.string(),
  embedding_model: z
    .string()
    .describe(
      "(ext) the embedding model that served this collection's dense side: `fjord-local-hash-v1` is the built-in hashing embedder, which matches words, not meaning; any other name is a learned model (a local ONNX model or an embedding service)",
    )
    .meta({ example: 'fjord-local-hash-v1' }),
  embedding_matches: z
    .enum(['words', 'meaning'])
    .describe("(ext) what the dense side can match: `words` for the hashing embedder (a paraphrase with none of a passage's words will not find it), `meaning` for a learned model"),
  token_usage: z.object({ embedding_token_usage: tokens, rerank_token_usage: z.number().int() }).nullable(),
  result_list: z.array(searchItemSchema),
});

export const rerankResponseSchema = z.object({ scores: z.array(z.number()), token_usage: z.number().int() });

export const knowledgeReferenceSchema = z.object({
  index: z.number().int().describe('the [n] the answer cites'),
  point_id: z.string(),
  doc_id: z.string(),
  doc_name: z.string(),
  doc_type: z.string(),
  chunk_id: z.number().int(),
  chunk_title: z.string(),
  collection_name: z.string(),
  project: z.string(),
  title: z.string(),
  content: z.string(),
  position: pointPositionSchema.optional(),
  url: z.string().optional(),
  score: z.number(),
});

export const knowledgeChatDataSchema = z
  .object({
    generated_answer: z.string().describe('the answer; in a stream, each event carries the next piece'),
    reasoning_content: z.string().optional(),
    usage: z.string().describe('JSON-encoded {prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details: {cached_tokens}, ...}; "" in a stream until the last event'),
    end: z.boolean().optional().describe('true on the last streamed event'),
    references: z.array(knowledgeReferenceSchema).optional().describe('(ext) the passages the model was given'),
  });

export const searchAndGenerateDataSchema = z.object({
  collection_name: z.string(),
  count: z.number().int(),
  generated_answer: z.string(),
  prompt: z.string(),
  usage: z.string(),
  result_list: z.array(searchItemSchema),
});

/** Viking's error envelope (api.md section 1). */
export const vikingErrorSchema = z
  .object({
    code: z.number().int().describe('1000001 unauthorized, 1000002 no permission, 1000003 invalid request, 1000004 collection exists, 1000005 no such collection, 1000028 internal, 1000029 rate limited, 1001001 no such doc, 1002001 no such point'),
    message: z.string(),
    data: z.null(),
    request_id: z.string(),
  })
  .meta({ example: { code: 1000005, message: 'collection handbook does not exist', data: null, request_id: '021764489600000abc' } });

export function vikingEnvelope(data: z.ZodType) {
  return z.object({ code: z.literal(0), message: z.literal('success'), data, request_id: z.string() });
}

// Compile-time drift checks: each mapper's result must satisfy the schema the document publishes.
type Satisfies<Actual extends Expected, Expected> = Actual;
export type MapperChecks = [
  Satisfies<ReturnType<typeof collectionRef>, z.input<typeof collectionRefSchema>>,
  Satisfies<ReturnType<typeof collectionInfo>, z.input<typeof collectionInfoSchema>>,
  Satisfies<ReturnType<typeof docRef>, z.input<typeof docRefSchema>>,
  Satisfies<ReturnType<typeof docInfo>, z.input<typeof docInfoSchema>>,
  Satisfies<ReturnType<typeof docStatusSummary>, z.input<typeof docStatusSummarySchema>>,
  Satisfies<ReturnType<typeof pointInfo>, z.input<typeof pointSchema>>,
  Satisfies<ReturnType<typeof searchResponse>, z.input<typeof searchResponseSchema>>,
  Satisfies<ReturnType<typeof rerankResponse>, z.input<typeof rerankResponseSchema>>,
  Satisfies<ReturnType<typeof chatCompletionData>, z.input<typeof knowledgeChatDataSchema>>,
  Satisfies<ReturnType<typeof searchAndGenerateData>, z.input<typeof searchAndGenerateDataSchema>>,
];
