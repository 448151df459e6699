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
