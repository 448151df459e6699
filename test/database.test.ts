import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PgDb, PgliteDb, PgliteThreadDb, migrate, readMigrations, Db } from '@fjord/database';
import type { TurnPolicy } from '@fjord/database/pglite-thread-db';
import { createTestDatabase } from './support/test-database';

const backends: Array<[string, () => Promise<Db>]> = [
  ['pglite', () => PgliteDb.open(undefined)],
  ['pglite on its thread', () => PgliteThreadDb.open(undefined)],
];
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

describe('pglite on its own thread', () => {
  let db: PgliteThreadDb;
  beforeAll(async () => {
    // A background bound of 1 s (the default is shorter): the ordering tests below then hold on a slow machine.
    db = await PgliteThreadDb.open(undefined, undefined, { backgroundMaxWaitMs: 1_000 });
    await db.exec('CREATE TABLE t (id int PRIMARY KEY, note text)');
  });
  afterAll(async () => {
    await db.close();
  });

  it('keeps other callers out of a transaction and rolls back on error', async () => {
    let inside = 0;
    const tx = db.transaction(async (q) => {
      await q.query('INSERT INTO t VALUES (1, $1)', ['in tx']);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inside = (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0].n;
      throw new Error('undo');
    });
    // Sent while the transaction runs: must see neither its row nor be rolled back with it.
    const outside = db.query('INSERT INTO t VALUES (2, $1)', ['outside']);
    await expect(tx).rejects.toThrow('undo');
    await outside;
    expect(inside).toBe(1);
    const { rows } = await db.query<{ id: number }>('SELECT id FROM t ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual([2]);
  });

  it('passes database errors back with their fields', async () => {
    const error = (await db.query("INSERT INTO t VALUES (2, $1)", ["again"]).then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('23505');
    expect(error.message).toMatch(/duplicate key/);
  });

  it('returns bytea, jsonb and int8 as the in-thread PGlite does', async () => {
    const { rows } = await db.query<{ b: Uint8Array; j: unknown; n: number }>("SELECT $1::bytea AS b, '{\"a\":[1]}'::jsonb AS j, 9007199254740991::int8 AS n", [new Uint8Array([1, 2, 3])]);
    expect(Array.from(rows[0].b)).toEqual([1, 2, 3]);
    expect(rows[0].j).toEqual({ a: [1] });
    expect(rows[0].n).toBe(9007199254740991);
  });

  /** Polls a condition of the test's own state (bounded). */
  async function until(condition: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 5) {
      if (waited > 10_000) throw new Error('condition not reached in 10 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** A transaction that holds the turn until `open` is called; `order` records when each named caller ran. */
  function held(lane: 'foreground' | 'background', name: string, order: string[]): { done: Promise<void>; open: () => void } {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const done = db.transaction(
      async (q) => {
        order.push(name);
        await q.query('SELECT 1');
        await gate;
      },
      { background: lane === 'background' },
    );
    return { done, open };
  }

  it('gives the turn to waiting foreground statements before the next background transaction', async () => {
    const order: string[] = [];
    const batch1 = held('background', 'batch 1', order);
    await until(() => order.length === 1);
    // Queued while batch 1 runs, in this order: another batch, then a search's statements.
    const batch2 = held('background', 'batch 2', order);
    const search = Promise.all([
      db.query('SELECT 1').then(() => order.push('search statement 1')),
      db.transaction(async (q) => {
        await q.query('SELECT 1');
        order.push('search transaction');
      }),
    ]);
    batch1.open();
    await search;
    batch2.open();
    await batch2.done;
    expect(order).toEqual(['batch 1', 'search statement 1', 'search transaction', 'batch 2']);
  });

  /**
   * On a fresh thread with `policy`: one background transaction queued behind a first statement, then
   * five statements sent one after another through `via` (the Db or its reader). Returns the order
   * they ran in, the five named `${label} i` and the transaction `batch`.
   */
  async function orderBehind(policy: Partial<TurnPolicy>, via: 'reader' | 'db', label: string): Promise<string[]> {
    const patient = await PgliteThreadDb.open(undefined, undefined, policy);
    try {
      const order: string[] = [];
      const statements = via === 'reader' ? patient.reader() : patient;
      const first = statements.query('SELECT 1');
      const batch = patient.transaction(
        async (q) => {
          await q.query('SELECT 1');
          order.push('batch');
        },
        { background: true },
      );
      for (let i = 0; i < 5; i++) {
        await statements.query('SELECT 1');
        order.push(`${label} ${i}`);
      }
      await Promise.all([first, batch]);
      return order;
    } finally {
      await patient.close();
    }
  }

  it("holds a background transaction while a search's reads follow one another, and runs it once they stop", async () => {
    // A quiet window far longer than the gap between two awaited statements, so the order is certain.
    const order = await orderBehind({ readsQuietMs: 1_000, backgroundMaxWaitMs: 60_000 }, 'reader', 'read');
    expect(order).toEqual(['read 0', 'read 1', 'read 2', 'read 3', 'read 4', 'batch']);
  });

  it("holds back a background transaction that arrives while a search's statement runs, the turn being free", async () => {
    const patient = await PgliteThreadDb.open(undefined, undefined, { readsQuietMs: 1_000, backgroundMaxWaitMs: 60_000 });
    try {
      const order: string[] = [];
      const reads = patient.reader();
      const running = reads.query('SELECT pg_sleep(0.3)');
      await new Promise((resolve) => setTimeout(resolve, 50)); // sent: the turn is free, the read still runs
      const batch = patient.transaction(
        async (q) => {
          await q.query('SELECT 1');
          order.push('batch');
        },
        { background: true },
      );
      await running;
      await reads.query('SELECT 1');
      order.push('next read');
      await batch;
      expect(order).toEqual(['next read', 'batch']);
    } finally {
      await patient.close();
    }
  });

  it('does not hold a background transaction back for other foreground work (a bulk upload must not starve its own ingestion)', async () => {
    const order = await orderBehind({ readsQuietMs: 60_000, backgroundMaxWaitMs: 60_000 }, 'db', 'write');
    expect(order).toContain('batch');
    expect(order[order.length - 1]).not.toBe('batch');
  });

  it('lets a background transaction that waited past its bound go before later foreground work', async () => {
    const order: string[] = [];
    const search = held('foreground', 'long foreground transaction', order);
    await until(() => order.length === 1);
    const batch = held('background', 'batch', order);
    const later = db.query('SELECT 1').then(() => order.push('foreground statement'));
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // past the 1 s bound
    search.open();
    await until(() => order.length === 2);
    expect(order[1]).toBe('batch');
    batch.open();
    await Promise.all([search.done, batch.done, later]);
    expect(order).toEqual(['long foreground transaction', 'batch', 'foreground statement']);
  });

  it("leaves the calling thread's event loop free during a long statement", async () => {
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const started = Date.now();
    expect(db.busySince()).toBeUndefined();
    const long = db.query('SELECT count(*) FROM generate_series(1, 3000000) g, LATERAL (SELECT md5(g::text)) m');
    await new Promise((resolve) => setTimeout(resolve, 100));
    // What /health reports instead of queueing a SELECT 1 behind the work.
    expect(db.busySince()).toBeGreaterThanOrEqual(started);
    await long;
    const busyMs = Date.now() - started;
    expect(db.busySince()).toBeUndefined();
    lag.disable();
    // Loose: the statement takes hundreds of ms; the loop meanwhile never stalls for more than a fraction of it.
    expect(busyMs).toBeGreaterThan(200);
    expect(lag.max / 1e6).toBeLessThan(Math.max(150, busyMs / 2));
  });
});
