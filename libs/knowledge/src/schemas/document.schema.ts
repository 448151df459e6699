import { z } from 'zod';
import { collectionRef, docId, metaEntry } from './common.schema';

export const docTypeInput = z.string().min(1).max(16).toLowerCase();

export const addDocumentSchema = collectionRef
  .extend({
    add_type: z.enum(['url', 'text']),
    doc_id: docId.optional(),
    doc_name: z.string().min(1).max(512).optional(),
    doc_type: docTypeInput.optional(),
    url: z.string().max(4096).optional(),
    content: z.string().max(50_000_000).optional(),
    meta: z.array(metaEntry).max(64).optional(),
    dedup: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.add_type === 'url' && !body.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'is required when add_type is url' });
    if (body.add_type === 'text' && (body.content === undefined || body.content.trim() === '')) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'must be non-empty text when add_type is text' });
    }
  });
export type AddDocumentInput = z.infer<typeof addDocumentSchema>;

/** Text fields of the multipart doc/upload request (meta arrives as a JSON string). */
export const uploadDocumentSchema = collectionRef.extend({
  doc_id: docId.optional(),
  doc_name: z.string().min(1).max(512).optional(),
  doc_type: docTypeInput.optional(),
  meta: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON list of {field_name, field_type, field_value}' });
        return z.NEVER;
      }
      const result = z.array(metaEntry).max(64).safeParse(parsed);
      if (!result.success) {
        ctx.addIssue({ code: 'custom', message: `must be a JSON list of {field_name, field_type, field_value}: ${result.error.issues[0]?.message}` });
        return z.NEVER;
      }
      return result.data;
    }),
  dedup: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});
export type UploadDocumentInput = z.infer<typeof uploadDocumentSchema>;

export const docRefSchema = collectionRef.extend({ doc_id: docId });
export type DocRefInput = z.infer<typeof docRefSchema>;

export const listDocumentsSchema = collectionRef.extend({
  offset: z.number().int().min(0).default(0),
  limit: z
    .number()
    .int()
    .min(-1)
    .max(100)
    .refine((n) => n !== 0, 'must be -1 or 1..100')
    .default(-1),
  doc_type: docTypeInput.optional(),
  filter: z.object({ doc_id_list: z.array(docId).max(1000).optional() }).optional(),
});
export type ListDocumentsInput = z.infer<typeof listDocumentsSchema>;

export const updateDocumentMetaSchema = docRefSchema.extend({ meta: z.array(metaEntry).max(64) });
export const updateDocumentSchema = docRefSchema.extend({ doc_name: z.string().min(1).max(512) });

/** (ext) doc/status_summary: documents by status and the latest failures, across collections. */
export const docStatusSummarySchema = z
  .object({
    project: z.string().min(1).max(64).optional().describe('only the collections of this project; left out: every collection'),
    failure_limit: z.number().int().min(0).max(100).default(10).describe('how many of the latest failed documents to list (0..100)'),
  })
  .meta({ example: { project: 'default', failure_limit: 10 } });
export type DocStatusSummaryInput = z.infer<typeof docStatusSummarySchema>;
