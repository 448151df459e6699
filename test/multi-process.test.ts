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
  /** JSON log lines about recovery (LOG_FORMAT=json), when the process was started with them kept. */
  recoveryLog: Array<{ time: number; msg: string }>;
}

function start(entry: string, env: Record<string, string>): Running {
  const stderr: string[] = [];
  const recoveryLog: Running['recoveryLog'] = [];
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'apps', entry, 'src', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('recovery')) continue;
      try {
        const { time, msg } = JSON.parse(line) as { time: number; msg: string };
        recoveryLog.push({ time, msg });
      } catch {
        /* not a JSON log line */
      }
    }
  });
  return { child, stderr, recoveryLog };
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

async function post(baseUrl: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function waitDoneIn(baseUrl: string, collection: string, docId: string): Promise<number> {
  return until(`document ${docId}`, async () => {
    const status = (await post(baseUrl, `${KB}/doc/info`, { collection_name: collection, doc_id: docId })).body?.data?.status?.process_status;
    return status === 0 || status === 1 ? status : undefined;
  }, 120_000);
}

const waitDone = (baseUrl: string, docId: string) => waitDoneIn(baseUrl, 'shared', docId);

const suite = hasPostgres && hasRedis ? describe : describe.skip;

suite('two APIs and two workers on one Postgres and Redis', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Client;
  const processes: Array<Running & { role: 'api' | 'worker' }> = [];
  const apis: string[] = [];
  let queuePrefix: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
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
      processes.push({ ...start('api', { ...env, PORT: String(port) }), role: 'api' });
      apis.push(`http://127.0.0.1:${port}`);
    }
    processes.push({ ...start('worker', env), role: 'worker' }, { ...start('worker', env), role: 'worker' });
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

  it('index maintenance: with both workers writing one collection past the build threshold, one HNSW build runs at a time and one index results', async () => {
    expect((await post(apis[0], `${KB}/collection/create`, { name: 'bulk', preprocessing: { chunk_length: 50, merge_small_chunks: false } })).status).toBe(200);
    // ~2,400 small chunks, every one with "harbour": a posting list long enough that searches read it
    // through cached heads, and a tail past the vector index's build threshold (2,000 rows).
    const paragraphs = (d: number) =>
      Array.from(
        { length: 100 },
        (_, i) =>
          `Harbour note ${d}-${i}: the ferry ${['leaves', 'waits', 'turns', 'docks'][i % 4]} at pier ${(d * 7 + i) % 23} when the tide is ${i % 3 ? 'low' : 'high'}, and the passengers with bicycles board first, then the cars, then the lorries bound for the northern islands.`,
      ).join('\n\n');
    const builds: number[] = [];
    let watching = true;
    const watcher = (async () => {
      // What pg_stat_activity shows, sampled: how many index builds on points run at once.
      while (watching) {
        const { rows } = await sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query ILIKE 'CREATE INDEX%hnsw%'",
        );
        builds.push(rows[0].n);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      const docs = Array.from({ length: 24 }, (_, d) => ({ docId: `bulk-${d}`, api: apis[d % 2] }));
      const added = await Promise.all(docs.map(({ docId, api }, d) => post(api, `${KB}/doc/add`, { collection_name: 'bulk', add_type: 'text', doc_id: docId, content: paragraphs(d) })));
      expect(added.map((reply) => reply.status)).toEqual(docs.map(() => 200));
      for (const { docId, api } of docs) expect(await waitDoneIn(api, 'bulk', docId)).toBe(0);
      await until('the vector index build', async () => {
        const { rows } = await sql.query<{ watermark: number; building: boolean }>(
          "SELECT v.watermark, v.building_since IS NOT NULL AS building FROM vector_indexes v JOIN collections c ON c.id = v.collection_id WHERE c.name = 'bulk'",
        );
        return rows[0]?.watermark > 0 && !rows[0].building ? true : undefined;
      }, 120_000);
    } finally {
      watching = false;
      await watcher;
    }
    const { rows: points } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM points p JOIN collections c ON c.id = p.collection_id WHERE c.name = 'bulk'");
    expect(points[0].n).toBeGreaterThan(2_000);
    expect(Math.max(...builds)).toBe(1); // seen building, never two at once
    const { rows: indexes } = await sql.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes i, collections c WHERE c.name = 'bulk' AND i.tablename = 'points' AND i.indexname LIKE 'points_hnsw_c' || c.id || '\\_%'",
    );
    const { rows: state } = await sql.query<{ index_name: string }>("SELECT v.index_name FROM vector_indexes v JOIN collections c ON c.id = v.collection_id WHERE c.name = 'bulk'");
    expect(indexes.map((row) => row.indexname)).toEqual([state[0].index_name]);
  }, 300_000);

  it("caches (BM25 statistics, posting-list heads) never answer with what another process's write changed", async () => {
    // Lexical only (dense_weight 0): the scores are BM25's, which depend on N, avgdl and df.
    const search = (api: string) => post(api, `${KB}/collection/search_knowledge`, { collection_name: 'bulk', query: 'harbour ferry docks pier 5 lighthouse', limit: 10, dense_weight: 0 });
    const scored = (reply: { body: any }) => reply.body.data.result_list.map((r: any) => [r.doc_info.doc_id, r.chunk_id, r.score]);
    // API 1 warms its caches for this query at the current version...
    const warm = await search(apis[1]);
    expect(warm.status).toBe(200);
    expect(await search(apis[1])).toMatchObject({ body: { data: { result_list: warm.body.data.result_list } } });
    // ...API 0 writes documents that change every statistic the query uses...
    const added = await Promise.all(
      [0, 1, 2].map((i) => post(apis[0], `${KB}/doc/add`, { collection_name: 'bulk', add_type: 'text', doc_id: `fresh-bulk-${i}`, content: `The lighthouse ferry docks at pier 5. ${'Harbour lighthouse. '.repeat(i + 1)}` })),
    );
    expect(added.map((reply) => reply.status)).toEqual([200, 200, 200]);
    for (const i of [0, 1, 2]) expect(await waitDoneIn(apis[0], 'bulk', `fresh-bulk-${i}`)).toBe(0);
    // ...and API 1 answers exactly as API 0, which never ran this query (cold caches), does.
    const after = await search(apis[1]);
    const fresh = await search(apis[0]);
    expect(scored(after)).toEqual(scored(fresh));
    expect(scored(after)).not.toEqual(scored(warm));
    expect(after.body.data.result_list.map((r: any) => r.doc_info.doc_id)).toContain('fresh-bulk-0');
  });

  it('prefix contexts: one per prompt across both APIs, and one deleted by another process is stored again, never served stale', async () => {
    const chat = (api: string) =>
      post(api, `${KB}/chat/completions`, { model: 'fjord-extractive-v1', collection_name: 'shared', messages: [{ role: 'user', content: 'When are train tickets refunded?' }] });
    const replies = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => chat(apis[i % 2])));
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    const prefixes = async () => (await sql.query<{ id: string }>("SELECT id FROM contexts WHERE mode = 'common_prefix'")).rows.map((row) => row.id);
    const [only] = await prefixes();
    expect(await prefixes()).toEqual([only]);
    // Another process (the sweeper, on whichever process runs it) deletes it once it has expired.
    await sql.query('UPDATE contexts SET expires_at = now() - interval \'1 hour\' WHERE id = $1', [only]);
    await until('the sweeper deleting the expired prefix', async () => ((await prefixes()).length === 0 ? true : undefined), 30_000);
    const again = await Promise.all([chat(apis[0]), chat(apis[1])]);
    expect(again.map((reply) => reply.status)).toEqual([200, 200]);
    const renewed = await prefixes();
    expect(renewed).toHaveLength(1);
    expect(renewed[0]).not.toBe(only);
  });

  it('start-up recovery: two workers starting together over documents whose jobs were lost recover them one at a time, each document done once', async () => {
    // Both workers stop; documents are accepted meanwhile, and their queued jobs are then lost.
    const workers = processes.filter((p) => p.role === 'worker');
    await Promise.all(workers.map(stop));
    const docs = Array.from({ length: 10 }, (_, i) => `lost-${i}`);
    for (const [i, docId] of docs.entries()) {
      expect((await post(apis[i % 2], `${KB}/doc/add`, { collection_name: 'shared', add_type: 'text', doc_id: docId, content: `Lost job ${i}: the night bus to Bergen leaves at ${i + 1} am.` })).status).toBe(200);
    }
    const redis = new IORedis(process.env.REDIS_URL as string, { maxRetriesPerRequest: null });
    const queue = new Queue('ingestion', { connection: redis, prefix: queuePrefix });
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
      await redis.quit();
    }
    const restarted = [0, 1].map(() => ({ ...start('worker', { ...env, LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }), role: 'worker' as const }));
    processes.splice(0, processes.length, ...processes.filter((p) => p.role !== 'worker'), ...restarted);
    for (const docId of docs) expect(await waitDoneIn(apis[0], 'shared', docId)).toBe(0);

    // What each worker logged of its start-up recovery: runs never overlap, and at least one ran.
    const runs = restarted.flatMap(({ recoveryLog }) => {
      const started = recoveryLog.find((line) => line.msg === 'recovery started');
      const finished = recoveryLog.find((line) => line.msg === 'recovery finished');
      return started && finished ? [[started.time, finished.time]] : [];
    });
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(restarted.every(({ recoveryLog }) => recoveryLog.some((line) => /^recovery (started|skipped)/.test(line.msg)))).toBe(true);
    runs.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < runs.length; i++) expect(runs[i][0]).toBeGreaterThanOrEqual(runs[i - 1][1]);
    const { rows } = await sql.query<{ doc_id: string; chunks: number; distinct_chunks: number }>(
      `SELECT d.doc_id, count(p.id)::int AS chunks, count(DISTINCT p.chunk_id)::int AS distinct_chunks
         FROM documents d JOIN points p ON p.document_id = d.id WHERE d.doc_id LIKE 'lost-%' GROUP BY d.doc_id ORDER BY d.doc_id`,
    );
    expect(rows.map((row) => row.doc_id)).toEqual([...docs].sort());
    for (const row of rows) expect(row.chunks).toBe(row.distinct_chunks); // no duplicate points
  });

  it('no process died', () => {
    for (const { child, stderr } of processes) {
      expect({ exitCode: child.exitCode, stderr: stderr.join('').slice(0, 2000) }).toEqual({ exitCode: null, stderr: expect.any(String) });
    }
  });
});
