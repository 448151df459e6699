import Module from 'node:module';
import type { PGlite as PGliteClass } from '@electric-sql/pglite';
import type { QueryResult, Queryable } from '@fjord/database';
import { EmbeddingCacheRepository } from './embedding-cache.repository';

// PGlite loads Node built-ins with dynamic import(), which Jest's VM sandbox only allows under
// --experimental-vm-modules (`npm test` sets it, a bare `npx jest` does not). Loading it with
// Node's own module loader (Module._load) keeps it outside the sandbox, so this spec runs either way.
const nodeLoad = (id: string): unknown => (Module as unknown as { _load(request: string): unknown })._load(require.resolve(id));
const { PGlite } = nodeLoad('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
const { vector } = nodeLoad('@electric-sql/pglite-pgvector') as typeof import('@electric-sql/pglite-pgvector');
type PGlite = PGliteClass;

/** Queryable over PGlite, counting statements so the tests can check "one query". */
class PgliteQueryable implements Queryable {
  statements = 0;
  constructor(private readonly pg: PGlite) {}

  async query<T extends object>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    this.statements++;
    const result = await this.pg.query<T>(sql, params as unknown[] | undefined);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }
}

describe('EmbeddingCacheRepository (PGlite + pgvector)', () => {
  let pg: PGlite;
  let db: PgliteQueryable;
  let repository: EmbeddingCacheRepository;

  beforeAll(async () => {
    pg = await PGlite.create({ extensions: { vector } });
    // The shape of migrations/*_initial_schema.sql.
    await pg.exec(`
      CREATE EXTENSION vector;
      CREATE TABLE embedding_cache (
        model       text NOT NULL,
        text_hash   text NOT NULL,
        embedding   vector NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model, text_hash)
      );`);
    db = new PgliteQueryable(pg);
    repository = new EmbeddingCacheRepository(db);
  });

  afterAll(() => pg.close());

  beforeEach(async () => {
    await pg.exec('TRUNCATE embedding_cache');
    db.statements = 0;
  });

  it('stores entries in one statement and reads them back in one', async () => {
    await repository.putMany('m1', [
      { hash: 'h1', embedding: [0.25, -1.5, 3] },
      { hash: 'h2', embedding: [1e-7, 0, 123456.5] },
    ]);
    const found = await repository.getMany('m1', ['h1', 'h2', 'missing']);

    expect(db.statements).toBe(2);
    expect([...found.keys()].sort()).toEqual(['h1', 'h2']);
    expect(found.get('h1')).toEqual([0.25, -1.5, 3]);
    expect(found.get('h2')?.[0]).toBeCloseTo(1e-7, 12);
    expect(found.get('h2')?.slice(1)).toEqual([0, 123456.5]);
  });

  it('keeps models apart', async () => {
    await repository.putMany('m1', [{ hash: 'h', embedding: [1, 2] }]);
    await repository.putMany('m2', [{ hash: 'h', embedding: [3, 4, 5] }]);
    expect((await repository.getMany('m1', ['h'])).get('h')).toEqual([1, 2]);
    expect((await repository.getMany('m2', ['h'])).get('h')).toEqual([3, 4, 5]);
  });

  it('leaves an existing entry alone on conflict', async () => {
    await repository.putMany('m1', [{ hash: 'h', embedding: [1, 2] }]);
    await repository.putMany('m1', [
      { hash: 'h', embedding: [9, 9] },
      { hash: 'new', embedding: [5, 6] },
    ]);
    const found = await repository.getMany('m1', ['h', 'new']);
    expect(found.get('h')).toEqual([1, 2]);
    expect(found.get('new')).toEqual([5, 6]);
  });

  it('does not query for empty input', async () => {
    await repository.putMany('m1', []);
    expect(await repository.getMany('m1', [])).toEqual(new Map());
    expect(db.statements).toBe(0);
  });

  it('handles a large batch (1,000 vectors of 384 dimensions)', async () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({
      hash: `hash-${i}`,
      embedding: Array.from({ length: 384 }, (__, d) => Math.fround(Math.sin(i + d))),
    }));
    await repository.putMany('big', entries);
    const found = await repository.getMany('big', entries.map((entry) => entry.hash));
    expect(found.size).toBe(1000);
    expect(found.get('hash-999')).toEqual(entries[999].embedding.map((x) => expect.closeTo(x, 6)));
  });
});
