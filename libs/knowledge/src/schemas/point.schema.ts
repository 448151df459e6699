import { z } from 'zod';
import { collectionRef, docId } from './common.schema';

const MAX_POINTS_PER_PAGE = 100;

export const pointId = z.string().min(1).max(256);

export const listPointsSchema = collectionRef.extend({
  offset: z.number().int().min(0).default(0),
  /** -1 means "up to the maximum" (100), as in doc/list. */
  limit: z
    .number()
    .int()
    .min(-1)
    .max(MAX_POINTS_PER_PAGE)
    .refine((n) => n !== 0, `must be -1 or 1..${MAX_POINTS_PER_PAGE}`)
    .default(10)
    .transform((n) => (n === -1 ? MAX_POINTS_PER_PAGE : n)),
  doc_ids: z.array(docId).max(1000).optional(),
  point_ids: z.array(pointId).max(1000).optional(),
});
export type ListPointsInput = z.infer<typeof listPointsSchema>;

export const pointRefSchema = collectionRef.extend({ point_id: pointId });
export type PointRefInput = z.infer<typeof pointRefSchema>;

export const addPointSchema = collectionRef.extend({
  doc_id: docId,
  chunk_type: z.literal('text').default('text'),
  chunk_title: z.string().max(1024).default(''),
  content: z.string().min(1).max(200_000),
});
export type AddPointInput = z.infer<typeof addPointSchema>;

export const updatePointSchema = pointRefSchema
  .extend({ chunk_title: z.string().max(1024).optional(), content: z.string().min(1).max(200_000).optional() })
  .refine((b) => b.chunk_title !== undefined || b.content !== undefined, 'give chunk_title or content to update');
export type UpdatePointInput = z.infer<typeof updatePointSchema>;
