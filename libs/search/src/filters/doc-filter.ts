import { DomainError } from '@fjord/common';
import type { FieldDefinition, FieldType } from '@fjord/knowledge/schemas/common.schema';
import type { DocFilter } from '../schemas/search.schema';

/** and/or nesting deeper than this is refused: it is never needed and each level costs planning time. */
export const MAX_FILTER_DEPTH = 8;

/** A filter checked against the collection's declared fields: every field resolved to its type. */
export type CheckedFilter =
  | { op: 'must' | 'must_not'; field: ResolvedField; conds: Array<string | number | boolean> }
  | { op: 'range' | 'range_out'; field: ResolvedField; gt?: number; gte?: number; lt?: number; lte?: number }
  | { op: 'and' | 'or'; conds: CheckedFilter[] };

/** `doc_id` is the built-in column; every other field lives in documents.meta. */
export type ResolvedField = { kind: 'doc_id' } | { kind: 'meta'; name: string; type: FieldType; defaultValue?: unknown };

const NUMERIC: ReadonlySet<FieldType> = new Set(['int64', 'float32', 'list<int64>']);

function condMatches(type: FieldType | 'doc_id', value: string | number | boolean): boolean {
  switch (type) {
    case 'doc_id':
    case 'string':
    case 'list<string>':
      return typeof value === 'string';
    case 'int64':
    case 'list<int64>':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'float32':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
  }
}

/**
 * Validates a doc_filter against the collection: only declared fields (plus doc_id) may be used, with
 * values of the declared type, ranges only on numeric fields. Errors are 1000003 naming the field
 * and the path of the offending filter (e.g. `query_param.doc_filter.conds.1.field`).
 */
export function checkDocFilter(filter: DocFilter, fields: FieldDefinition[], path = 'query_param.doc_filter', depth = 1): CheckedFilter {
  if (depth > MAX_FILTER_DEPTH) throw DomainError.invalid(`doc_filter nests deeper than ${MAX_FILTER_DEPTH} levels`, path);
  if (!('field' in filter)) {
    return { op: filter.op, conds: filter.conds.map((c, i) => checkDocFilter(c, fields, `${path}.conds.${i}`, depth + 1)) };
  }
  const field = resolveField(filter.field, fields, `${path}.field`);
  const type = field.kind === 'doc_id' ? 'doc_id' : field.type;
  if ('conds' in filter) {
    filter.conds.forEach((value, i) => {
      if (!condMatches(type, value)) {
        throw DomainError.invalid(`doc_filter field ${filter.field} is ${type}; conds[${i}] ${JSON.stringify(value)} is not a ${type.replace('list<', '').replace('>', '')}`, `${path}.conds.${i}`);
      }
    });
    return { op: filter.op, field, conds: filter.conds };
  }
  if (field.kind === 'doc_id' || !NUMERIC.has(field.type)) {
    throw DomainError.invalid(`doc_filter op ${filter.op} needs a numeric field; ${filter.field} is ${type}`, `${path}.field`);
  }
  return { op: filter.op, field, gt: filter.gt, gte: filter.gte, lt: filter.lt, lte: filter.lte };
}

function resolveField(name: string, fields: FieldDefinition[], param: string): ResolvedField {
  if (name === 'doc_id') return { kind: 'doc_id' };
  const declared = fields.find((f) => f.field_name === name);
  if (!declared) {
    const known = ['doc_id', ...fields.map((f) => f.field_name)].join(', ');
    throw DomainError.invalid(`doc_filter field ${name} is not declared by the collection (filterable: ${known})`, param);
  }
  return { kind: 'meta', name, type: declared.field_type, defaultValue: declared.default_val };
}
