import { z } from 'zod';
import { collectionName, collectionRef, fieldDefinition, projectName } from './common.schema';

export const preprocessingSchema = z
  .object({
    chunking_strategy: z.enum(['custom_balance', 'custom']).default('custom_balance'),
    chunk_length: z.number().int().min(50).max(8000).default(500),
    merge_small_chunks: z.boolean().default(true),
  })
  .prefault({});
export type Preprocessing = z.infer<typeof preprocessingSchema>;

export const createCollectionSchema = z.object({
  name: collectionName,
  project: projectName,
  description: z.string().max(65_535).default(''),
  data_type: z.literal('unstructured_data').default('unstructured_data'),
  preprocessing: preprocessingSchema,
  index: z
    .object({
      index_type: z.enum(['hnsw_hybrid', 'hnsw', 'flat']).default('hnsw_hybrid'),
      index_config: z
        .object({
          fields: z
            .array(fieldDefinition)
            .max(32)
            .default([])
            .refine((fields) => new Set(fields.map((f) => f.field_name)).size === fields.length, 'field names must be unique'),
          embedding_model: z.string().min(1).max(128).optional(),
          embedding_dimension: z.number().int().min(1).max(16_000).optional(),
          // The Viking SDK sends int8; fjord stores float vectors whatever is asked, and reports the request.
          quant: z.string().min(1).max(32).optional(),
          // Sent by the Viking SDK; capacity is not reserved per collection here.
          cpu_quota: z.number().optional(),
        })
        .prefault({}),
    })
    .prefault({}),
});
export type CreateCollectionInput = z.infer<typeof createCollectionSchema>;

export const collectionIdentitySchema = collectionRef;
export const updateCollectionSchema = collectionRef.extend({
  description: z.string().max(65_535).optional(),
  // (ext) Another served model re-embeds the collection in the background and then switches to it;
  // the current model cancels a running migration.
  embedding_model: z.string().min(1).max(128).optional(),
});
export type UpdateCollectionInput = z.infer<typeof updateCollectionSchema>;
export const listCollectionsSchema = z.object({ project: z.string().min(1).max(64).optional() });
