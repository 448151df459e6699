import { DomainError } from '@fjord/common';
import type { FieldDefinition, FieldType, MetaEntry } from '../schemas/common.schema';

const VALUE_CHECKS: Record<FieldType, (v: unknown) => boolean> = {
  int64: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  'list<int64>': (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x)),
  string: (v) => typeof v === 'string',
  'list<string>': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  float32: (v) => typeof v === 'number' && Number.isFinite(v),
  bool: (v) => typeof v === 'boolean',
};

/** Meta may only set fields the collection declared, with values of the declared type. */
export function validateMeta(meta: MetaEntry[], fields: FieldDefinition[]): MetaEntry[] {
  const declared = new Map(fields.map((f) => [f.field_name, f.field_type]));
  const seen = new Set<string>();
  meta.forEach((entry, i) => {
    const param = `meta.${i}`;
    const type = declared.get(entry.field_name);
    if (!type) {
      const known = fields.length ? fields.map((f) => f.field_name).join(', ') : 'none';
      throw DomainError.invalid(`meta field ${entry.field_name} is not declared by the collection (declared: ${known})`, `${param}.field_name`);
    }
    if (entry.field_type !== type) {
      throw DomainError.invalid(`meta field ${entry.field_name} is declared as ${type}, not ${entry.field_type}`, `${param}.field_type`);
    }
    if (!VALUE_CHECKS[type](entry.field_value)) {
      throw DomainError.invalid(`meta field ${entry.field_name} needs a ${type} value`, `${param}.field_value`);
    }
    if (seen.has(entry.field_name)) throw DomainError.invalid(`meta field ${entry.field_name} is given twice`, `${param}.field_name`);
    seen.add(entry.field_name);
  });
  return meta;
}
