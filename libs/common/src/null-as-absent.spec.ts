import { z } from 'zod';
import { nullAsAbsent } from './null-as-absent';

describe('nullAsAbsent', () => {
  const schema = z.object({
    limit: z.number().default(10),
    doc_type: z.string().optional(),
    knowledge: z.object({ limit: z.number().optional() }).nullable().optional(),
    filter: z.object({ doc_id_list: z.array(z.string()).optional() }).optional(),
    items: z.array(z.object({ title: z.string().default('untitled'), body: z.string() })).optional(),
    choice: z.union([z.object({ resource_id: z.string(), name: z.string().optional() }), z.object({ name: z.string(), project: z.string().default('default') })]).optional(),
    piped: z
      .object({ ttl: z.number().default(86400) })
      .prefault({})
      .transform((v) => v.ttl),
  });

  it('reads null as absent where the schema does not accept null, so defaults apply', () => {
    const cleaned = nullAsAbsent(schema, { limit: null, doc_type: null, filter: null, extra: null });
    expect(cleaned).toEqual({});
    expect(schema.parse(cleaned)).toEqual({ limit: 10, piped: 86400 });
  });

  it('keeps null where the schema gives it a meaning', () => {
    expect(nullAsAbsent(schema, { knowledge: null })).toEqual({ knowledge: null });
  });

  it('walks nested objects, arrays, unions and pipes', () => {
    const cleaned = nullAsAbsent(schema, {
      filter: { doc_id_list: null },
      knowledge: { limit: null },
      items: [{ title: null, body: 'b' }],
      choice: { resource_id: 'kb-1', name: null },
      piped: { ttl: null },
    });
    expect(cleaned).toEqual({ filter: {}, knowledge: {}, items: [{ body: 'b' }], choice: { resource_id: 'kb-1' }, piped: {} });
    expect(schema.parse(cleaned)).toMatchObject({ items: [{ title: 'untitled', body: 'b' }], piped: 86400 });
  });

  it('leaves a required field that is null for validation to report, and does not modify its input', () => {
    const input = { items: [{ body: null }] };
    const cleaned = nullAsAbsent(schema, input);
    expect(input).toEqual({ items: [{ body: null }] });
    expect(schema.safeParse(cleaned).error?.issues[0].path).toEqual(['items', 0, 'body']);
  });
});
