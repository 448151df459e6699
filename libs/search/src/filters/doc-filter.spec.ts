import { DomainError } from '@fjord/common';
import type { FieldDefinition } from '@fjord/knowledge/schemas/common.schema';
import { checkDocFilter } from './doc-filter';
import { docFilterSql, SqlParams } from './doc-filter.sql';

const fields: FieldDefinition[] = [
  { field_name: 'year', field_type: 'int64' },
  { field_name: 'tags', field_type: 'list<string>' },
];

function error(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected an error');
}

describe('checkDocFilter', () => {
  it('names an undeclared field and where it sits', () => {
    const e = error(() => checkDocFilter({ op: 'and', conds: [{ op: 'must', field: 'colour', conds: ['red'] }] }, fields));
    expect(e).toBeInstanceOf(DomainError);
    expect(e.message).toMatch(/colour is not declared.*filterable: doc_id, year, tags/);
    expect(e.details.param).toBe('query_param.doc_filter.conds.0.field');
  });

  it('refuses values of the wrong type and ranges on non-numeric fields', () => {
    expect(error(() => checkDocFilter({ op: 'must', field: 'year', conds: [1.5] }, fields)).message).toMatch(/year is int64/);
    expect(error(() => checkDocFilter({ op: 'must', field: 'tags', conds: [3] }, fields)).message).toMatch(/tags is list<string>/);
    expect(error(() => checkDocFilter({ op: 'range', field: 'tags', gt: 1 }, fields)).message).toMatch(/numeric field/);
  });

  it('compiles to SQL with every value bound as a parameter', () => {
    const params = new SqlParams([42]);
    const sql = docFilterSql(checkDocFilter({ op: 'or', conds: [{ op: 'must', field: 'doc_id', conds: ["x'; DROP TABLE points; --"] }, { op: 'range', field: 'year', gte: 2000 }] }, fields), params);
    expect(sql).not.toContain('DROP');
    expect(sql).toContain('$2');
    expect(params.values).toEqual([42, ["x'; DROP TABLE points; --"], 'year', 2000]);
  });
});
