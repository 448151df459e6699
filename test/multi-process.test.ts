import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { freePort, until } from './support/processes';
import { createTestDatabase, hasPostgres, hasRedis } from './support/test-database';

/**
 * Several processes, one truth: two API processes and two workers (real child processes, built
 * code) on one Postgres and one Redis. Uploads through both APIs leave BM25 statistics exact, a
 * write through one API is seen by a search through the other, one session context's turns sent
 * through both APIs at once are stored one after another, and the context sweeper runs once per
 * interval for the whole deployment.
 */

const ADMIN_KEY = 'multi-process-admin-key-0123456789';
const KB = '/api/knowledge';
const MODEL = 'Doubao-1.5-pro-32k';

interface Running {
  child: ChildProcess;
  stderr: string[];
}

function start(entry: string, env: Record<string, string>): Running {
  const stderr: string[] = [];
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'apps', entry, 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  return { child, stderr };
}

async function post(baseUrl: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function waitDone(baseUrl: string, docId: string): Promise<number> {
  return until(`document ${docId}`, async () => {
    const status = (await post(baseUrl, `${KB}/doc/info`, { collection_name: 'shared', doc_id: docId })).body?.data?.status?.process_status;
    return status === 0 || status === 1 ? status : undefined;
  }, 60_000);
}

const suite = hasPostgres && hasRedis ? describe : describe.skip;

suite('two APIs and two workers on one Postgres and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Client;
  const processes: Running[] = [];
  const apis: string[] = [];
  let queuePrefix: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.REDIS_URL as string,
      QUEUE_PREFIX: `fjord-multi-${randomBytes(4).toString('hex')}`,
      ADMIN_API_KEY: ADMIN_KEY,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      INGEST_BACKOFF_MS: '50',
      DATABASE_POOL_SIZE: '4',
      CONTEXT_SWEEP_INTERVAL_MS: '1000',
    };
    queuePrefix = env.QUEUE_PREFIX;
    const ports = [await freePort(), await freePort()];
    for (const port of ports) {
      processes.push(start('api', { ...env, PORT: String(port) }));
      apis.push(`http://127.0.0.1:${port}`);
    }
    processes.push(start('worker', env), start('worker', env));
    for (const api of apis) await until(`API ${api}`, async () => ((await fetch(`${api}/health`)).ok ? true : undefined));
    sql = new Client({ connectionString: database.url });
    await sql.connect();
  }, 180_000);

  afterAll(async () => {
    for (const { child } of processes) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(processes.map(({ child }) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)));
    await sql?.end();
    await database?.drop();
  }, 60_000);

  it('uploads through both APIs at once leave BM25 statistics exact, and a write through one is found through the other', async () => {
    expect((await post(apis[0], `${KB}/collection/create`, { name: 'shared' })).status).toBe(200);
    const docs = Array.from({ length: 16 }, (_, i) => ({ docId: `doc-${i}`, api: apis[i % 2] }));
    const added = await Promise.all(
      docs.map(({ docId, api }, i) =>
        post(api, `${KB}/doc/add`, { collection_name: 'shared', add_type: 'text', doc_id: docId, doc_name: `${docId}.md`, content: `# Policy ${i}\n\nTrain tickets of trip ${i} are refunded within ${i + 10} days.\n\n${'receipt '.repeat(i + 1)}` }),
      ),
    );
    expect(added.map((reply) => reply.status)).toEqual(docs.map(() => 200));
    for (const { docId, api } of docs) expect(await waitDone(api, docId)).toBe(0);

    const { rows } = await sql.query(
      `SELECT (SELECT doc_count FROM lexical_stats WHERE collection_id = c.id) + COALESCE((SELECT sum(doc_delta) FROM lexical_stat_deltas WHERE collection_id = c.id), 0) AS stats_docs,
              (SELECT total_length FROM lexical_stats WHERE collection_id = c.id) + COALESCE((SELECT sum(length_delta) FROM lexical_stat_deltas WHERE collection_id = c.id), 0) AS stats_length,
              (SELECT count(*) FROM points p WHERE p.collection_id = c.id AND p.lexical_terms <> '') AS docs,
              (SELECT COALESCE(sum(lexical_length), 0) FROM points p WHERE p.collection_id = c.id AND p.lexical_terms <> '') AS length,
              (SELECT count(*) FROM point_terms WHERE collection_id = c.id) AS postings,
              (SELECT count(*) FROM (SELECT DISTINCT p.id, t FROM points p, unnest(string_to_array(p.lexical_terms, ' ')) AS t
                                      WHERE p.collection_id = c.id AND p.lexical_terms <> '' AND t <> '') d) AS expected_postings
         FROM collections c WHERE c.name = 'shared'`,
    );
    const stats = rows[0];
    expect(Number(stats.docs)).toBeGreaterThanOrEqual(16);
    expect(Number(stats.stats_docs)).toBe(Number(stats.docs));
    expect(Number(stats.stats_length)).toBe(Number(stats.length));
    expect(Number(stats.postings)).toBe(Number(stats.expected_postings));

    // Search through the second API, write through the first, search through the second again.
    const search = (query: string) => post(apis[1], `${KB}/collection/search_knowledge`, { collection_name: 'shared', query, limit: 5 });
    const before = await search('glacier kayak');
    expect(before.status).toBe(200);
    expect(before.body.data.result_list.map((r: any) => r.doc_info.doc_id)).not.toContain('fresh');
    expect((await post(apis[0], `${KB}/doc/add`, { collection_name: 'shared', add_type: 'text', doc_id: 'fresh', content: 'Glacier kayak tours leave at dawn from the fjord.' })).status).toBe(200);
    expect(await waitDone(apis[0], 'fresh')).toBe(0);
    const after = await search('glacier kayak');
    expect(after.body.data.result_list[0].doc_info.doc_id).toBe('fresh');
    expect((await post(apis[0], `${KB}/doc/delete`, { collection_name: 'shared', doc_id: 'fresh' })).status).toBe(200);
    const gone = await search('glacier kayak');
    expect(gone.body.data.result_list.map((r: any) => r.doc_info.doc_id)).not.toContain('fresh');
  });

  it("one session context's turns sent through both APIs at once are stored one after another", async () => {
    const created = await post(apis[0], '/api/v3/context/create', { model: MODEL, mode: 'session', messages: [{ role: 'system', content: 'Be short.' }] });
    expect(created.status).toBe(200);
    const turns = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        post(apis[i % 2], '/api/v3/context/chat/completions', { model: MODEL, context_id: created.body.id, messages: [{ role: 'user', content: `question ${i}` }] }),
      ),
    );
    expect(turns.map((reply) => reply.status)).toEqual(turns.map(() => 200));
    const { rows } = await sql.query<{ turn: number; roles: string[]; questions: number }>(
      `SELECT turn, array_agg(role ORDER BY position) AS roles, count(*) FILTER (WHERE role = 'user' AND content LIKE 'question %')::int AS questions
         FROM context_messages WHERE context_id = $1 GROUP BY turn ORDER BY turn`,
      [created.body.id],
    );
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map((row) => row.turn)).size).toBe(8);
    for (const row of rows) {
      expect(row.roles).toEqual(['user', 'assistant']);
      expect(row.questions).toBe(1);
    }
  });

  it('the context sweeper runs once per interval across all four processes, never two at a time', async () => {
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const redis = new IORedis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const queue = new Queue('context-sweep', { connection: redis, prefix: queuePrefix });
    try {
      const runs = (await queue.getJobs(['completed'])).map((job) => [job.processedOn as number, job.finishedOn as number]).sort((a, b) => a[0] - b[0]);
      expect(runs.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i][0]).toBeGreaterThanOrEqual(runs[i - 1][1]); // no overlap
        expect(runs[i][0] - runs[i - 1][0]).toBeGreaterThan(500); // one run per 1 s interval, not one per process
      }
    } finally {
      await queue.close();
      await redis.quit();
    }
  });

  it('no process died', () => {
    for (const { child, stderr } of processes) {
      expect({ exitCode: child.exitCode, stderr: stderr.join('').slice(0, 2000) }).toEqual({ exitCode: null, stderr: expect.any(String) });
    }
  });
});
