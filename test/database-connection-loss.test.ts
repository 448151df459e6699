import { Client } from 'pg';
import { PgDb } from '@fjord/database';
import { IngestionRecoveryService } from '@fjord/ingestion/pipeline/ingestion-recovery.service';
import { DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { createTestDatabase, hasPostgres, hasRedis } from './support/test-database';
import { startTestStack, TestStack, waitForDocument } from './support/test-stack';

/**
 * Dropped Postgres connections, as a failover or a pooler restart drops them, reproduced with
 * pg_terminate_backend on a real server: a lost connection fails at most the one request using it
 * (or is retried), and never the process. In jest an unhandled 'error' from a pg client fails the run.
 */

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function adminClient(): Promise<Client> {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  return admin;
}

/** Terminates every backend connected to `database` except the caller's own. */
async function terminateBackends(admin: Client, database: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  return rows[0].n;
}

const postgres = hasPostgres ? describe : describe.skip;

postgres('PgDb when its backend is terminated', () => {
  let fresh: Awaited<ReturnType<typeof createTestDatabase>>;
  let database: string;
  let db: PgDb;
  let admin: Client;

  beforeAll(async () => {
    fresh = await createTestDatabase();
    database = new URL(fresh.url).pathname.slice(1);
    db = new PgDb(fresh.url, 3);
    admin = await adminClient();
    await db.exec('CREATE TABLE rows_written (v int)');
  });
  afterAll(async () => {
    await db?.close();
    await admin?.end();
    await fresh?.drop();
  });
  beforeEach(() => db.exec('TRUNCATE rows_written'));

  it('a transaction whose backend dies between statements fails alone and commits nothing', async () => {
    const attempt = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await tx.query('INSERT INTO rows_written VALUES (1)');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      // The server's FATAL arrives while no statement runs: the checked-out client emits 'error'.
      await pause(200);
      await tx.query('INSERT INTO rows_written VALUES (2)');
    });
    await expect(attempt).rejects.toThrow();
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rows_written');
    expect(rows[0].n).toBe(0);
  });

  it('a transaction that may run again (rerunIfRolledBack) whose backend dies before COMMIT is run again and commits once', async () => {
    let attempts = 0;
    await db.transaction(
      async (tx) => {
        attempts++;
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await tx.query('INSERT INTO rows_written VALUES (1)');
        if (attempts === 1) {
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
          await pause(200);
        }
        await tx.query('INSERT INTO rows_written VALUES (2)');
      },
      { rerunIfRolledBack: true },
    );
    expect(attempts).toBe(2);
    const { rows } = await db.query<{ v: number }>('SELECT v FROM rows_written ORDER BY v');
    expect(rows.map((row) => row.v)).toEqual([1, 2]);
  });

  it('a read transaction (reader()) whose backend dies between statements is run again whole on a fresh connection', async () => {
    let attempts = 0;
    const result = await db.reader().transaction(async (tx) => {
      attempts++;
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      if (attempts === 1) {
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
        await pause(200);
      }
      await tx.query("SET LOCAL hnsw.ef_search = '80'");
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM rows_written')).rows[0].n;
    });
    expect(result).toBe(0);
    expect(attempts).toBe(2);
  });

  it('a session whose backend dies fails alone, and the pool serves the next caller', async () => {
    const attempt = db.session(async (q) => {
      const { rows } = await q.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await pause(200);
      await q.query('SELECT 1');
    });
    await expect(attempt).rejects.toThrow();
    const { rows } = await db.query<{ one: number }>('SELECT 1 AS one');
    expect(rows[0].one).toBe(1);
  });

  it('connections terminated while idle in the pool are replaced: every statement and transaction right after succeeds', async () => {
    for (let round = 0; round < 15; round++) {
      // Fill the pool, then kill all of it and use it again at once, before it notices.
      await Promise.all([0, 1, 2].map(() => db.query('SELECT pg_sleep(0.01)')));
      expect(await terminateBackends(admin, database)).toBeGreaterThan(0);
      await Promise.all([
        db.transaction((tx) => tx.query('INSERT INTO rows_written VALUES ($1)', [round])),
        db.query('INSERT INTO rows_written VALUES ($1)', [round]),
        db.exec('SELECT 1'),
      ]);
    }
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM rows_written');
    expect(rows[0].n).toBe(30);
  });
});

const services = hasPostgres && hasRedis ? describe : describe.skip;

services('API and worker while Postgres backends are terminated (services)', () => {
  let stack: TestStack;
  let admin: Client;

  beforeAll(async () => {
    // Generous retries: a document caught by a terminated backend is retried, never failed for it.
    stack = await startTestStack('services', { INGEST_MAX_ATTEMPTS: '50', INGEST_BACKOFF_MS: '20' });
    admin = await adminClient();
  });
  afterAll(async () => {
    await stack?.close();
    await admin?.end();
  });

  it('uploads and chats during terminations: no crash, errors only in the envelope, every acknowledged upload done once', async () => {
    const database = new URL(stack.config.database.url as string).pathname.slice(1);
    expect((await stack.post('/api/knowledge/collection/create', { name: 'handbook' })).status).toBe(200);
    let killing = true;
    let terminated = 0;
    const killer = (async () => {
      while (killing) {
        terminated += await terminateBackends(admin, database);
        await pause(150);
      }
    })();

    const acknowledged: string[] = [];
    const statuses: number[] = [];
    const uploads = Array.from({ length: 24 }, async (_, i) => {
      const docId = `doc-${i}`;
      const reply = await stack.post('/api/knowledge/doc/add', {
        collection_name: 'handbook',
        add_type: 'text',
        doc_id: docId,
        doc_name: `${docId}.md`,
        content: `# Policy ${i}\n\nTrain tickets of trip ${i} are refunded within 30 days when you send the receipt.`,
      });
      statuses.push(reply.status);
      if (reply.status === 200) acknowledged.push(docId);
      else expect(reply.body).toMatchObject({ code: 1000028, message: 'the database connection was lost; retry the request' });
    });
    const chats = Array.from({ length: 24 }, async () => {
      const reply = await stack.post('/api/knowledge/chat/completions', { model: 'Doubao-1.5-pro-32k', collection_name: 'handbook', messages: [{ role: 'user', content: 'How are train tickets refunded?' }] });
      statuses.push(reply.status);
      if (reply.status !== 200) expect(reply.body).toMatchObject({ code: 1000028, message: 'the database connection was lost; retry the request' });
    });
    await Promise.all([...uploads, ...chats]);
    killing = false;
    await killer;

    expect(terminated).toBeGreaterThan(0);
    // Retried at BEGIN and per statement, almost every request gets through; none kills the process.
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(statuses.length / 2);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const docId of acknowledged) {
      expect((await waitForDocument(stack, { collection_name: 'handbook', doc_id: docId }, 60_000)).process_status).toBe(0);
    }
    const points = await stack.post('/api/knowledge/point/list', { collection_name: 'handbook', limit: 100 });
    expect(points.status).toBe(200);
    const ids: string[] = points.body.data.point_list.map((p: { point_id: string }) => p.point_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(points.body.data.point_list.map((p: { doc_info: { doc_id: string } }) => p.doc_info.doc_id))).toEqual(new Set(acknowledged));
  });

  it("start-up recovery: losing its lock's connection mid-run fails nothing, and the next run is elected again", async () => {
    const recovery = stack.app.get(IngestionRecoveryService);
    const documents = stack.app.get(DocumentRepository);
    const unfinished = documents.unfinished.bind(documents);
    // While recovery holds its advisory lock, the lock's backend is terminated (as a failover would).
    const spy = jest.spyOn(documents, 'unfinished').mockImplementationOnce(async () => {
      const { rows } = await admin.query<{ n: number }>(
        `SELECT count(pg_terminate_backend(l.pid))::int AS n FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.objid = 727002 AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = $1)`,
        [new URL(stack.config.database.url as string).pathname.slice(1)],
      );
      expect(rows[0].n).toBe(1);
      await pause(200);
      return unfinished();
    });
    try {
      await expect(recovery.recover()).resolves.toMatchObject({ requeued: expect.any(Number) });
      expect(spy).toHaveBeenCalledTimes(1);
      // The lock went with the connection: the next run is elected, not skipped.
      const next = await recovery.recover();
      expect(next.skipped).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('start-up recovery skips while another process holds the recovery lock', async () => {
    const recovery = stack.app.get(IngestionRecoveryService);
    // Advisory locks belong to one database: the holder connects to the stack's.
    const holder = new Client({ connectionString: stack.config.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      expect((await holder.query<{ got: boolean }>('SELECT pg_try_advisory_xact_lock(727002) AS got')).rows[0].got).toBe(true);
      expect(await recovery.recover()).toEqual({ requeued: 0, deleted: 0, skipped: true });
      await holder.query('COMMIT');
      expect((await recovery.recover()).skipped).toBeUndefined();
    } finally {
      await holder.end();
    }
  });
});
