import type { CheckedFilter, ResolvedField } from './doc-filter';

/** Collects bind parameters while a predicate is built: values never enter the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];
  constructor(initial: unknown[] = []) {
    this.values.push(...initial);
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const LIST_TYPES = new Set(['list<int64>', 'list<string>']);
const NUMERIC_TYPES = new Set(['int64', 'float32', 'list<int64>']);

/** The jsonb value of a meta field (its declared default when a document lacks it). */
function metaValue(field: Extract<ResolvedField, { kind: 'meta' }>, alias: string, params: SqlParams): string {
  const value = `fjord_meta_value(${alias}.meta, ${params.add(field.name)})`;
  return field.defaultValue === undefined ? value : `coalesce(${value}, ${params.add(JSON.stringify(field.defaultValue))}::jsonb)`;
}

function matchPredicate(field: ResolvedField, conds: Array<string | number | boolean>, alias: string, params: SqlParams): string {
  if (field.kind === 'doc_id') return `${alias}.doc_id = ANY(${params.add(conds.map(String))}::text[])`;
  const numeric = NUMERIC_TYPES.has(field.type);
  const list = numeric ? `${params.add(conds.map(Number))}::numeric[]` : `${params.add(conds.map(String))}::text[]`;
  const value = metaValue(field, alias, params);
  if (LIST_TYPES.has(field.type)) {
    const element = numeric ? 'e.v::numeric' : 'e.v';
    return `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${value}) AS e(v) WHERE ${element} = ANY(${list}))`;
  }
  return numeric ? `(${value} #>> '{}')::numeric = ANY(${list})` : `(${value} #>> '{}') = ANY(${list})`;
}

function rangePredicate(field: ResolvedField, f: Extract<CheckedFilter, { op: 'range' | 'range_out' }>, alias: string, params: SqlParams): string {
  if (field.kind === 'doc_id') throw new Error('range on doc_id'); // refused by checkDocFilter
  const bounds = (x: string) =>
    [
      f.gt !== undefined ? `${x} > ${params.add(f.gt)}::numeric` : undefined,
      f.gte !== undefined ? `${x} >= ${params.add(f.gte)}::numeric` : undefined,
      f.lt !== undefined ? `${x} < ${params.add(f.lt)}::numeric` : undefined,
      f.lte !== undefined ? `${x} <= ${params.add(f.lte)}::numeric` : undefined,
    ]
      .filter(Boolean)
      .join(' AND ');
  const value = metaValue(field, alias, params);
  if (LIST_TYPES.has(field.type)) {
    // A list matches range when any element is inside it, range_out when any element is outside.
    const inside = bounds('e.v::numeric');
    const test = f.op === 'range' ? inside : `NOT (${inside})`;
    return `EXISTS (SELECT 1 FROM jsonb_array_elements_text(${value}) AS e(v) WHERE ${test})`;
  }
  const inside = bounds(`(${value} #>> '{}')::numeric`);
  // A document without the field is neither inside nor outside a range.
  return f.op === 'range' ? `coalesce(${inside}, false)` : `(${value} IS NOT NULL AND NOT (${inside}))`;
}

/**
 * A boolean SQL expression over the documents row `alias` for a checked doc_filter. Missing
 * fields: must -> no match, must_not -> match (the document does not carry a forbidden value).
 */
export function docFilterSql(filter: CheckedFilter, params: SqlParams, alias = 'd'): string {
  switch (filter.op) {
    case 'and':
    case 'or':
      return `(${filter.conds.map((c) => docFilterSql(c, params, alias)).join(filter.op === 'and' ? ' AND ' : ' OR ')})`;
    case 'must':
      return `coalesce(${matchPredicate(filter.field, filter.conds, alias, params)}, false)`;
    case 'must_not':
      return `NOT coalesce(${matchPredicate(filter.field, filter.conds, alias, params)}, false)`;
    case 'range':
    case 'range_out':
      return rangePredicate(filter.field, filter, alias, params);
  }
}
