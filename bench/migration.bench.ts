import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { createApiApp } from '../apps/api/src/create-api-app';
import { FakeOpenAiServer } from '../test/support/fake-openai-server';
import { createTestDatabase } from '../test/support/test-database';
import { summary } from './support/bench-harness';
import { docIdOf, loadDataset } from './support/eval-data';

/**
 * npm run bench:migration [-- --data <BEIR dir>] [--limit N documents] [--queries N]
 *
 * Changing a collection's embedding model while it serves searches: SciFact (5,183 abstracts) is
 * ingested with the local hashing embedder (384-d), then `collection/update` moves it to an
 * upstream model of 256 dimensions (a fake OpenAI-compatible server over real HTTP in this
 * process, returning 256-d hashing vectors, so the upstream costs little and the figure is
 * fjord's own: reading, embedding calls, writing, indexing, switching). Reported: the migration's
 * wall time, and sequential search latency (p50/p99, SciFact queries, hybrid) before, during and
 * after it, with the during/before ratio. PGlite by default; Postgres with DATABASE_URL (the
 * migration then runs in this process too, without REDIS_URL).
 */

const TARGET = 'bench-upstream-256';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--data');
  const dataPath = resolve(at >= 0 && args[at + 1] ? args[at + 1] : '../shared/data/scifact-train');
  const queriesAt = args.indexOf('--queries');
  const queryCount = queriesAt >= 0 ? Number(args[queriesAt + 1]) : 300;
  const data = loadDataset(dataPath);
  const limitAt = args.indexOf('--limit');
  if (limitAt >= 0) data.corpus = data.corpus.slice(0, Number(args[limitAt + 1]));

  const upstream = new LocalHashEmbedder(256);
  const fake = await FakeOpenAiServer.start({ embeddingFor: (text) => upstream.embedText(text) });
  const database = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-bench-migration-'));
  const adminKey = `bench-${randomBytes(16).toString('hex')}`;
  const { REDIS_URL: _redis, DATABASE_URL: _database, ...env } = process.env;
  const config = loadConfig({
    ...env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    WORKER_CONCURRENCY: '4',
    EMBEDDING_PROVIDER: 'local',
    EMBEDDING_BASE_URL: fake.baseUrl,
    EMBEDDING_MODEL_MAP: JSON.stringify({ [TARGET]: TARGET }),
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/api/knowledge`;
  const post = async (path: string, body: unknown): Promise<any> => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify(body) });
    const json = (await response.json()) as { code: number; message: string; data: any };
    if (json.code !== 0) throw new Error(`${path}: ${json.code} ${json.message}`);
    return json.data;
  };

  try {
    const backend = database ? 'PostgreSQL' : 'PGlite (embedded)';
    console.log(`bench:migration on ${backend}: ${data.corpus.length} documents from ${data.name}`);
    const name = `migration_${randomBytes(4).toString('hex')}`;
    await post('/collection/create', { name });
    for (let i = 0; i < data.corpus.length; i += 32) {
      await Promise.all(
        data.corpus.slice(i, i + 32).map((d) => post('/doc/add', { collection_name: name, add_type: 'text', doc_type: 'txt', doc_id: docIdOf(d.id), doc_name: d.title.slice(0, 512) || docIdOf(d.id), content: d.text })),
      );
    }
    const db = app.get<Db>(DB);
    for (;;) {
      const { rows } = await db.query<{ pending: number }>(
        `SELECT count(*) FILTER (WHERE d.status IN (2, 6))::int AS pending FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`,
        [name],
      );
      if (rows[0].pending === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const vectorIndex = app.get(VectorIndexService);
    await vectorIndex.settle();
    const before = await post('/collection/info', { collection_name: name });
    console.log(`ingested: ${before.doc_num} documents, ${before.point_num} points`);

    const queries = data.queries.slice(0, queryCount).map((q) => q.text.slice(0, 2000));
    let next = 0;
    const searchOnce = async (): Promise<{ ms: number; model: string }> => {
      const query = queries[next++ % queries.length];
      const started = performance.now();
      const result = await post('/collection/search_knowledge', { collection_name: name, query, limit: 10 });
      return { ms: performance.now() - started, model: result.embedding_model };
    };
    // Warm-up, then the anchor: the same searches before the migration.
    for (let i = 0; i < 20; i++) await searchOnce();
    const anchor: number[] = [];
    for (let i = 0; i < queries.length; i++) anchor.push((await searchOnce()).ms);

    const started = performance.now();
    await post('/collection/update', { collection_name: name, embedding_model: TARGET });
    const during: number[] = [];
    const modelsDuring = new Set<string>();
    let finished: any;
    let polled = 0;
    while (!finished) {
      const { ms, model } = await searchOnce();
      during.push(ms);
      modelsDuring.add(model);
      if (++polled % 5 === 0) {
        const migration = (await post('/collection/info', { collection_name: name })).embedding_migration;
        if (migration.status !== 'running') finished = migration;
      }
    }
    const migrationSeconds = (performance.now() - started) / 1000;
    if (finished.status !== 'done') throw new Error(`migration ended ${finished.status}: ${finished.failed_reason}`);
    const after: number[] = [];
    for (let i = 0; i < queries.length; i++) {
      const { ms, model } = await searchOnce();
      if (model !== TARGET) throw new Error(`search after the switch used ${model}`);
      after.push(ms);
    }
    const a = summary(anchor);
    const d = summary(during);
    const z = summary(after);
    const f = (x: number) => x.toFixed(1).padStart(7);
    console.log(`migration: ${finished.points_total} points re-embedded and switched in ${migrationSeconds.toFixed(1)} s (${(finished.points_total / migrationSeconds).toFixed(0)} points/s); models answering during it: ${[...modelsDuring].join(', ')}`);
    console.log('searches (sequential, hybrid, limit 10)   n      p50 ms  p99 ms');
    console.log(`before (hashing 384-d, anchor)        ${String(anchor.length).padStart(6)}  ${f(a.p50)} ${f(a.p99)}`);
    console.log(`during the migration                  ${String(during.length).padStart(6)}  ${f(d.p50)} ${f(d.p99)}   ratio p50 ${(d.p50 / a.p50).toFixed(2)}x, p99 ${(d.p99 / a.p99).toFixed(2)}x`);
    console.log(`after (upstream 256-d)                ${String(after.length).padStart(6)}  ${f(z.p50)} ${f(z.p99)}   ratio p50 ${(z.p50 / a.p50).toFixed(2)}x, p99 ${(z.p99 / a.p99).toFixed(2)}x`);
  } finally {
    await app.close();
    await fake.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
