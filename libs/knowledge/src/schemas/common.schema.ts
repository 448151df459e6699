import { z } from 'zod';

/** Shared pieces of the Viking knowledge-base contract (api.md section 1). */

export const COLLECTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const collectionName = z
  .string()
  .regex(COLLECTION_NAME_PATTERN, 'must start with a letter and contain only letters, digits and _ (1-64 characters)');
export const projectName = z.string().min(1).max(64).default('default');

/** A collection is named by resource_id, or by name (doc/point calls: collection_name) plus project. */
// An empty name next to a resource_id is how SDK users often leave the name unset: read it as absent.
const optionalCollectionName = collectionName.or(z.literal('')).optional();

export const collectionRef = z.object({
  resource_id: z.string().min(1).max(128).optional(),
  name: optionalCollectionName,
  collection_name: optionalCollectionName,
  project: projectName,
});
export type CollectionRefInput = z.infer<typeof collectionRef>;

export type CollectionIdentity = { resourceId: string } | { project: string; name: string };

export function identityOf(ref: CollectionRefInput): CollectionIdentity | undefined {
  if (ref.resource_id) return { resourceId: ref.resource_id };
  const name = ref.collection_name || ref.name;
  return name ? { project: ref.project, name } : undefined;
}

export const FIELD_TYPES = ['int64', 'list<int64>', 'string', 'list<string>', 'float32', 'bool'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const fieldDefinition = z.object({
  field_name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be letters, digits and _ (1-64 characters)')
    .refine((name) => name !== 'doc_id', 'doc_id is built in and cannot be declared'),
  field_type: z.enum(FIELD_TYPES),
  default_val: z.unknown().optional(),
});
export type FieldDefinition = z.infer<typeof fieldDefinition>;

/** A document's meta entry: `{field_name, field_type, field_value}`. */
export const metaEntry = z.object({
  field_name: z.string().min(1).max(64),
  field_type: z.enum(FIELD_TYPES),
  field_value: z.unknown(),
});
export type MetaEntry = z.infer<typeof metaEntry>;

export const docId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w.:@-]+$/, 'may contain only letters, digits and _ . : @ -');
