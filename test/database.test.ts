import { PgDb, PgliteDb, migrate, readMigrations, Db } from '@fjord/database';
import { createTestDatabase } from './support/test-database';

const backends: Array<[string, () => Promise<Db>]> = [['pglite', () => PgliteDb.open(undefined)]];
if (process.env.DATABASE_URL) {
  backends.push([
    'postgres',
    async () => {
      const fresh = await createTestDatabase();
      const db = new PgDb(fresh.url, 4);
      const close = db.close.bind(db);
      db.close = async () => {
        await close();
        await fresh.drop();
      };
      return db;
    },
  ]);
}

describe.each(backends)('migrations on %s', (_name, open) => {
  it('applies every migration once, even when two runners race', async () => {
    const db = await open();
    try {
      const [first, second] = await Promise.all([migrate(db), migrate(db)]);
      const all = readMigrations().map((m) => m.name);
      // One of the two runners applied everything; the other found nothing left to do.
      expect([...first, ...second].sort()).toEqual(all.sort());
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows[0].n).toBeGreaterThanOrEqual(all.length);
      const vector = await db.query<{ d: number }>("SELECT '[3,4]'::vector <=> '[6,8]'::vector AS d");
      expect(vector.rows[0].d).toBeCloseTo(0, 6);
    } finally {
      await db.close();
    }
  });
});

const postgres = process.env.DATABASE_URL ? describe : describe.skip;
postgres('connection settings on postgres', () => {
  it('start every pooled connection with the setting, before and after pgvector loads and through RESET ALL', async () => {
    const fresh = await createTestDatabase();
    const db = new PgDb(fresh.url, 2, { 'hnsw.ef_search': '77' });
    try {
      await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
      expect(db.connectionSetting('hnsw.ef_search')).toBe('77');
      expect(db.connectionSetting('hnsw.iterative_scan')).toBeUndefined();
      // Two connections at once, so both of the pool's connections are checked.
      const shown = await Promise.all(
        [0, 1].map(() =>
          db.transaction(async (tx) => {
            await tx.query("SELECT '[1,2]'::vector <=> '[2,1]'::vector");
            return (await tx.query<{ v: string }>("SELECT current_setting('hnsw.ef_search') AS v")).rows[0].v;
          }),
        ),
      );
      expect(shown).toEqual(['77', '77']);
      await db.session(async (q) => {
        await q.query("SET hnsw.ef_search = '300'");
      });
      const afterReset = await Promise.all([0, 1].map(() => db.transaction(async (tx) => (await tx.query<{ v: string }>("SELECT current_setting('hnsw.ef_search') AS v")).rows[0].v)));
      expect(afterReset).toEqual(['77', '77']);
      const local = await db.transaction(async (tx) => {
        await tx.query('SET LOCAL hnsw.ef_search = 200');
        return (await tx.query<{ v: string }>("SELECT current_setting('hnsw.ef_search') AS v")).rows[0].v;
      });
      expect(local).toBe('200');
    } finally {
      await db.close();
      await fresh.drop();
    }
  });

  it('refuses a setting name or value that cannot travel in startup options', () => {
    expect(() => new PgDb('postgres://127.0.0.1:1/x', 1, { 'hnsw.ef_search; drop': '1' })).toThrow(/not a setting name/);
    expect(() => new PgDb('postgres://127.0.0.1:1/x', 1, { 'hnsw.ef_search': '1 -c work_mem=1GB' })).toThrow(/unsupported setting value/);
  });
});

describe('connection settings on pglite', () => {
  it('has none: every query sets what it needs', async () => {
    const db = await PgliteDb.open(undefined);
    try {
      expect(db.connectionSetting('hnsw.ef_search')).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
