/**
 * Ingestion throughput: `npm run bench:ingest [-- options]`.
 *
 * Uploads every abstract of ../shared/data/scifact-train/corpus.jsonl as a Markdown document
 * (`# title\n\ntext`) through the HTTP API (`doc/add`, add_type text, doc_type md; `--clients` requests
 * in flight over keep-alive) to the built api (and worker) processes, and waits, by polling `doc/list`
 * filtered to the not-yet-finished doc_ids, until every document has left process_status 2/6.
 *
 * 1. embedded: one api process on PGlite with the in-process runner (always);
 * 2. services: api + one worker process on a fresh database of DATABASE_URL and a fresh QUEUE_PREFIX
 *    on REDIS_URL, once per `--workers` concurrency (default 2,4); also follows the per-collection
 *    HNSW partial index (vector_indexes) to tell "searchable" from "fully HNSW-indexed";
 * 3. LangChain anchor (services only): PGVectorStore on the same chunks and embedder, in its own
 *    process (bench/support/ingest-langchain-anchor.ts).
 *
 * Options: --data <corpus.jsonl or BEIR dir>, --limit <n docs>, --clients <n> (16), --workers <list>
 * (2,4), --chunk-length <tokens> (collection default), --repeat <n> (1; medians are reported),
 * --only <embedded|services|langchain>[,...], --timeout-s <s> (600 per run), --keep-db (debugging:
 * keep the services databases and print their URLs; drop them by hand), --cpu-prof <dir> (write V8
 * CPU profiles of the api and worker processes there).
 * Child processes get only PATH and the settings set here, so they always use the offline local
 * embedder at its default 384 dimensions, whatever the caller's environment says.
 * Every child process is stopped (SIGTERM, then SIGKILL) and every temp dir, database and Redis
 * key prefix removed, also on failure or Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client, Pool } from 'pg';
import { VECTOR_INDEX_POLICY } from '@fjord/knowledge/vector-index/vector-index.service';
import { BenchDocument, corpusPath, loadCorpus, projectRoot } from './support/ingest-corpus';
import type { AnchorInput, AnchorResult } from './support/ingest-langchain-anchor';
import { BenchProcess, freePort, mb, procCpuSeconds, sleep, until } from './support/ingest-processes';

const ROOT = projectRoot();
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
const ANCHOR_MAIN = join(ROOT, 'dist/bench/support/ingest-langchain-anchor.js');
const KB = '/api/knowledge';
const DIMENSION = 384;
const HNSW = { m: 16, efConstruction: 64 };

interface Options {
  data: string;
  limit?: number;
  clients: number;
  workers: number[];
  chunkLength?: number;
  repeat: number;
  only: Set<string>;
  timeoutMs: number;
  /** Debugging: keep the services databases (their URLs are printed). */
  keepDb: boolean;
  /** Debugging: write V8 CPU profiles of the api and worker processes into this directory. */
  cpuProf?: string;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const int = (name: string): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
    return n;
  };
  return {
    data: corpusPath(value('data')),
    limit: int('limit'),
    clients: int('clients') ?? 16,
    workers: (value('workers') ?? '2,4').split(',').map((w) => Number(w)).filter((w) => Number.isInteger(w) && w > 0),
    chunkLength: int('chunk-length'),
    repeat: int('repeat') ?? 1,
    only: new Set((value('only') ?? 'embedded,services,langchain').split(',')),
    timeoutMs: (int('timeout-s') ?? 600) * 1000,
    keepDb: argv.includes('--keep-db'),
    cpuProf: value('cpu-prof'),
  };
}

// ---------------------------------------------------------------------------------------------
// Cleanup: everything created registers its undo here; run on success, failure and Ctrl-C.

const cleanups: Array<() => Promise<void>> = [];
async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) {
    const undo = cleanups.pop() as () => Promise<void>;
    await undo().catch((error: unknown) => console.error('cleanup failed:', error));
  }
}
function onCleanup(undo: () => Promise<void>): () => Promise<void> {
  cleanups.push(undo);
  return async () => {
    const at = cleanups.indexOf(undo);
    if (at >= 0) cleanups.splice(at, 1);
    await undo();
  };
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping child processes and removing temp data`);
    void runCleanups().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP client

class Api {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  /** Connections the server reset under a request and that were retried (all requests here are idempotent). */
  resets = 0;
  /** The slowest request, in ms. */
  maxLatencyMs = 0;

  async post<T = any>(path: string, body: unknown): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${KB}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
          body: JSON.stringify(body),
        });
      } catch (error) {
        // A keep-alive socket closed by the server as the request went out (see docs/benchmarks.md).
        if (attempt >= 3 || (error as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw error;
        this.resets++;
        continue;
      }
      const json = (await response.json()) as { code: number; message: string; data: T };
      this.maxLatencyMs = Math.max(this.maxLatencyMs, performance.now() - started);
      if (json.code !== 0) throw new Error(`${path}: HTTP ${response.status} code ${json.code} ${json.message}`);
      return json.data;
    }
  }

  async healthy(): Promise<true | undefined> {
    return (await fetch(`${this.baseUrl}/health`)).ok ? true : undefined;
  }
}

interface DocListItem {
  doc_id: string;
  point_num: number;
  status: { process_status: number; failed_reason?: string };
}

interface IngestResult {
  documents: number;
  failed: number;
  chunks: number;
  /** First request sent -> last upload answered. */
  uploadSeconds: number;
  /** First request sent -> every document observed with process_status 0 (or 1). */
  searchableSeconds: number;
  /** Wall-clock ms of the first upload, to place index events on the same time line. */
  startedAt: number;
  /** CPU seconds per process (group) from the first upload until searchable. */
  cpu: Array<[string, number]>;
  /** The slowest HTTP request of the run (ms) and how many were retried after a connection reset. */
  maxLatencyMs: number;
  resets: number;
}

/** CPU seconds so far per named process or process group. */
type CpuProbe = () => Promise<Map<string, number>>;

/**
 * Uploads `docs` with `clients` requests in flight while a poller follows the not-yet-finished
 * documents through doc/list (filtered to <= 100 pending doc_ids in upload order, so each poll is
 * one cheap request and the bench does not load the server it measures).
 */
async function ingest(api: Api, collection: string, docs: BenchDocument[], clients: number, timeoutMs: number, cpuProbe: CpuProbe): Promise<IngestResult> {
  const pending = new Set<string>();
  let uploaded = 0;
  let chunks = 0;
  let failed = 0;
  let finished = 0;
  const failures: string[] = [];
  const cpuBefore = await cpuProbe();
  api.resets = 0;
  api.maxLatencyMs = 0;
  const startedAt = Date.now();
  const t0 = performance.now();
  const deadline = t0 + timeoutMs;
  let uploadSeconds = 0;
  let uploadError: unknown;

  const upload = async (): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < docs.length && uploadError === undefined) {
        const doc = docs[next++];
        await api.post('/doc/add', { collection_name: collection, add_type: 'text', doc_type: 'md', doc_id: doc.docId, doc_name: doc.docName, content: doc.markdown });
        pending.add(doc.docId);
        uploaded++;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(clients, docs.length) }, lane));
    } catch (error) {
      uploadError = error;
    }
    uploadSeconds = (performance.now() - t0) / 1000;
  };
  const uploading = upload();

  let lastReport = performance.now();
  while (finished < docs.length) {
    if (uploadError !== undefined) throw uploadError;
    if (performance.now() > deadline) {
      throw new Error(`gave up after ${timeoutMs / 1000} s: ${uploaded}/${docs.length} uploaded, ${finished} finished`);
    }
    const batch = [...pending].slice(0, 100);
    if (batch.length === 0) {
      await sleep(100);
      continue;
    }
    const { doc_list } = await api.post<{ doc_list: DocListItem[] }>('/doc/list', { collection_name: collection, limit: 100, filter: { doc_id_list: batch } });
    let done = 0;
    for (const doc of doc_list) {
      const status = doc.status.process_status;
      if (status !== 0 && status !== 1) continue;
      pending.delete(doc.doc_id);
      finished++;
      done++;
      if (status === 0) chunks += doc.point_num;
      else {
        failed++;
        if (failures.length < 5) failures.push(`${doc.doc_id}: ${doc.status.failed_reason ?? ''}`);
      }
    }
    if (performance.now() - lastReport > 5_000) {
      lastReport = performance.now();
      process.stdout.write(`  ${((lastReport - t0) / 1000).toFixed(0)} s: ${uploaded} uploaded, ${finished} finished\n`);
    }
    // The whole batch finished: the next one is probably finished too, so look again at once.
    if (done < batch.length) await sleep(200);
  }
  const searchableSeconds = (performance.now() - t0) / 1000;
  const cpuAfter = await cpuProbe();
  const cpu: Array<[string, number]> = [...cpuAfter].map(([name, secs]) => [name, secs - (cpuBefore.get(name) ?? 0)]);
  await uploading;
  if (failures.length > 0) console.log(`  ${failed} documents failed, e.g. ${failures.join('; ')}`);
  return { documents: docs.length, failed, chunks, uploadSeconds, searchableSeconds, startedAt, cpu, maxLatencyMs: api.maxLatencyMs, resets: api.resets };
}

/** A one-document collection processed first, so that start-up and JIT warm-up stay out of the figures. */
async function warmUp(api: Api, timeoutMs: number): Promise<void> {
  await api.post('/collection/create', { name: 'bench_warmup' });
  await api.post('/doc/add', { collection_name: 'bench_warmup', add_type: 'text', doc_type: 'md', doc_id: 'w', content: '# Warm-up\n\nThe water in the fjord is deep and cold.' });
  await until(
    'the warm-up document',
    async () => {
      const info = await api.post<DocListItem>('/doc/info', { collection_name: 'bench_warmup', doc_id: 'w' });
      if (info.status.process_status === 1) throw new Error(`warm-up failed: ${info.status.failed_reason}`);
      return info.status.process_status === 0 ? true : undefined;
    },
    timeoutMs,
  );
}

async function createCollection(api: Api, name: string, chunkLength: number | undefined): Promise<Chunking> {
  await api.post('/collection/create', { name, ...(chunkLength ? { preprocessing: { chunk_length: chunkLength } } : {}) });
  const info = await api.post<{ preprocessing: { chunk_length: number; merge_small_chunks: boolean } }>('/collection/info', { collection_name: name });
  return { chunkLength: info.preprocessing.chunk_length, mergeSmallChunks: info.preprocessing.merge_small_chunks };
}

function baseEnv(dataDir: string, port: number, key: string): Record<string, string> {
  return { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: key, LOG_LEVEL: 'warn', NODE_ENV: 'production' };
}

/** Extra node flags for the api and worker processes (--cpu-prof). */
let childNodeArgs: string[] = [];

/** Spawns a built entry point; it is stopped by the returned function or by the cleanups. */
function startProcess(name: string, script: string, env: Record<string, string>, logDir: string): { child: BenchProcess; stop: () => Promise<void> } {
  const child = new BenchProcess(name, script, env, join(logDir, `${name}.log`), [], childNodeArgs);
  const stop = onCleanup(() => child.stop());
  void child.exited.then((code) => {
    if (!child.stopRequested) console.error(`${name} exited on its own (code ${code}):\n${child.tail()}`);
  });
  return { child, stop };
}

interface Chunking {
  chunkLength: number;
  mergeSmallChunks: boolean;
}

interface FjordRun extends IngestResult {
  label: string;
  chunking: Chunking;
  rss: Array<[string, number]>;
  index?: IndexReport;
}

// ---------------------------------------------------------------------------------------------
// Embedded mode

async function runEmbedded(docs: BenchDocument[], options: Options): Promise<FjordRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-ingest-'));
  const removeDir = onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  try {
    const port = await freePort();
    const key = `bench-${randomBytes(16).toString('hex')}`;
    const api = new Api(`http://127.0.0.1:${port}`, key);
    const env = baseEnv(join(dir, 'data'), port, key);
    const { child: server, stop } = startProcess('api-embedded', API_MAIN, env, dir);
    try {
      await until('the api to start', () => api.healthy(), 60_000);
      await warmUp(api, 60_000);
      const chunking = await createCollection(api, 'bench_ingest', options.chunkLength);
      const result = await ingest(api, 'bench_ingest', docs, options.clients, options.timeoutMs, async () => new Map([['api', server.cpuSeconds()]]));
      return { label: 'fjord embedded (PGlite, in-process runner)', ...result, chunking, rss: [['api', server.peakRss()]] };
    } catch (error) {
      console.error(`api log tail:\n${server.tail()}`);
      throw error;
    } finally {
      await stop();
    }
  } finally {
    await removeDir();
  }
}

// ---------------------------------------------------------------------------------------------
// Services mode: a fresh database per run, and the HNSW index followed through vector_indexes

async function createDatabase(serverUrl: string, name: string, options: { withVector?: boolean; keep?: boolean } = {}): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const undo = async () => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  const drop = options.keep ? async () => console.log(`  kept database ${name}`) : onCleanup(undo);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  if (options.withVector) {
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS vector').finally(() => client.end());
  }
  return { url: url.toString(), drop };
}

async function dropRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = nextCursor;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

interface IndexBuild {
  /** Seconds after the first upload. */
  startedAt?: number;
  finishedAt: number;
  watermark: number;
  coveredRows: number;
}

interface IndexReport {
  builds: IndexBuild[];
  totalRows: number;
  finalTail: number;
  /** Seconds after the first upload when the last row entered the HNSW index; undefined if a tail is left. */
  fullyIndexedAt?: number;
}

interface IndexRow {
  index_name: string | null;
  watermark: string;
  building_since_ms: number | null;
  updated_at_ms: number;
  total: number;
  tail: number;
}

/**
 * Polls vector_indexes every 250 ms and records each rebuild: its start from building_since (the
 * lease), its end from updated_at, both wall-clock ms from the database (same machine).
 */
class IndexWatcher {
  private readonly builds: Array<{ startMs?: number; endMs: number; watermark: number; coveredRows: number }> = [];
  private lastName: string | null = null;
  private startMs: number | undefined;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly collection: string,
  ) {
    this.loop = this.run();
  }

  private async read(): Promise<IndexRow | undefined> {
    const { rows } = await this.pool.query<IndexRow>(
      `SELECT v.index_name, v.watermark, extract(epoch FROM v.building_since)::float8 * 1000 AS building_since_ms,
              extract(epoch FROM v.updated_at)::float8 * 1000 AS updated_at_ms,
              (SELECT count(*)::int FROM points p WHERE p.collection_id = v.collection_id) AS total,
              (SELECT count(*)::int FROM points p WHERE p.collection_id = v.collection_id AND p.id > v.watermark) AS tail
         FROM vector_indexes v JOIN collections c ON c.id = v.collection_id
        WHERE c.name = $1`,
      [this.collection],
    );
    const row = rows[0];
    if (row) this.observe(row);
    return row;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.read().catch(() => undefined);
      await sleep(250);
    }
  }

  private observe(row: IndexRow): void {
    if (row.building_since_ms !== null) this.startMs = Number(row.building_since_ms);
    if (row.index_name && row.index_name !== this.lastName) {
      this.builds.push({ startMs: this.startMs, endMs: Number(row.updated_at_ms), watermark: Number(row.watermark), coveredRows: row.total - row.tail });
      this.startMs = undefined;
    }
    this.lastName = row.index_name;
  }

  /**
   * Waits until no rebuild runs and the policy would start none (the tail is below its threshold)
   * for 2 s, then reports with times relative to `originMs` (the first upload).
   */
  async settle(originMs: number, timeoutMs: number): Promise<IndexReport> {
    let quietSince = 0;
    const final = await until(
      'the background HNSW rebuild',
      async () => {
        const row = await this.read();
        if (!row) return undefined;
        const indexed = row.total - row.tail;
        const due = row.tail > 0 && row.tail >= Math.max(VECTOR_INDEX_POLICY.minTail, VECTOR_INDEX_POLICY.tailRatio * indexed);
        if (row.building_since_ms !== null || due) {
          quietSince = 0;
          return undefined;
        }
        quietSince ||= Date.now();
        return Date.now() - quietSince >= 2_000 ? row : undefined;
      },
      timeoutMs,
      250,
    );
    await this.stop();
    const at = (ms: number) => (ms - originMs) / 1000;
    const builds = this.builds.map((b) => ({ startedAt: b.startMs === undefined ? undefined : at(b.startMs), finishedAt: at(b.endMs), watermark: b.watermark, coveredRows: b.coveredRows }));
    const lastBuild = builds.at(-1);
    return { builds, totalRows: final.total, finalTail: final.tail, fullyIndexedAt: final.tail === 0 && lastBuild ? lastBuild.finishedAt : undefined };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

async function runServices(docs: BenchDocument[], options: Options, concurrency: number, databaseUrl: string, redisUrl: string): Promise<FjordRun> {
  const suffix = randomBytes(4).toString('hex');
  const dbName = `fjord_bench_${suffix}`;
  const prefix = `fjord_bench_${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-ingest-'));
  const removeDir = onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const removeKeys = onCleanup(() => dropRedisPrefix(redisUrl, prefix));
  const database = await createDatabase(databaseUrl, dbName, { keep: options.keepDb });
  const pool = new Pool({ connectionString: database.url, max: 2 });
  const closePool = onCleanup(() => pool.end());
  try {
    const port = await freePort();
    const key = `bench-${randomBytes(16).toString('hex')}`;
    const api = new Api(`http://127.0.0.1:${port}`, key);
    const env = { ...baseEnv(join(dir, 'data'), port, key), DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix };
    const { child: server, stop: stopServer } = startProcess(`api-services-c${concurrency}`, API_MAIN, env, dir);
    const { child: worker, stop: stopWorker } = startProcess(`worker-c${concurrency}`, WORKER_MAIN, { ...env, WORKER_CONCURRENCY: String(concurrency) }, dir);
    try {
      await until('the api to start', () => api.healthy(), 60_000);
      await warmUp(api, 60_000);
      const chunking = await createCollection(api, 'bench_ingest', options.chunkLength);
      const watcher = new IndexWatcher(pool, 'bench_ingest');
      let result: IngestResult;
      try {
        const backends = new Map<number, number>();
        const probe: CpuProbe = async () => {
          // Postgres backends serving this database (they persist in the pools); a backend that
          // exits mid-run loses its share, so the figure is a lower bound.
          const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [dbName]);
          for (const { pid } of rows) backends.set(pid, procCpuSeconds(pid));
          const postgres = [...backends.values()].reduce((sum, secs) => sum + secs, 0);
          return new Map([
            ['api', server.cpuSeconds()],
            ['worker', worker.cpuSeconds()],
            ['postgres', postgres],
          ]);
        };
        result = await ingest(api, 'bench_ingest', docs, options.clients, options.timeoutMs, probe);
      } catch (error) {
        await watcher.stop();
        throw error;
      }
      const index = await watcher.settle(result.startedAt, options.timeoutMs);
      return {
        label: `fjord services (Postgres + worker, WORKER_CONCURRENCY=${concurrency})`,
        ...result,
        chunking,
        rss: [
          ['api', server.peakRss()],
          ['worker', worker.peakRss()],
        ],
        index,
      };
    } catch (error) {
      console.error(`api log tail:\n${server.tail()}\nworker log tail:\n${worker.tail()}`);
      throw error;
    } finally {
      await stopWorker();
      await stopServer();
    }
  } finally {
    await closePool();
    await database.drop();
    await removeKeys();
    await removeDir();
  }
}

// ---------------------------------------------------------------------------------------------
// LangChain anchor

async function runAnchor(options: Options, databaseUrl: string, chunking: Chunking): Promise<AnchorResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-anchor-'));
  const removeDir = onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const database = await createDatabase(databaseUrl, `fjord_bench_lc_${randomBytes(4).toString('hex')}`, { withVector: true });
  try {
    const input: AnchorInput = { databaseUrl: database.url, corpus: options.data, limit: options.limit, ...chunking, dimension: DIMENSION, hnsw: HNSW };
    const child = new BenchProcess('langchain', ANCHOR_MAIN, {}, join(dir, 'langchain.log'), [JSON.stringify(input)]);
    const stop = onCleanup(() => child.stop());
    const timer = setTimeout(() => void child.stop(1_000), options.timeoutMs);
    const code = await child.exited;
    clearTimeout(timer);
    await stop();
    const lines = readFileSync(child.logPath, 'utf8').trim().split('\n');
    if (code !== 0) throw new Error(`the LangChain anchor exited with ${code}:\n${lines.slice(-30).join('\n')}`);
    return JSON.parse(lines.at(-1) as string) as AnchorResult;
  } finally {
    await database.drop();
    await removeDir();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianRun(runs: FjordRun[]): FjordRun {
  if (runs.length === 1) return runs[0];
  const m = (f: (r: FjordRun) => number) => median(runs.map(f));
  const fully = runs.map((r) => r.index?.fullyIndexedAt).filter((x): x is number => x !== undefined);
  return {
    ...runs[0],
    label: `${runs[0].label}, median of ${runs.length}`,
    uploadSeconds: m((r) => r.uploadSeconds),
    searchableSeconds: m((r) => r.searchableSeconds),
    rss: runs[0].rss.map(([name], i) => [name, m((r) => r.rss[i][1])]),
    cpu: runs[0].cpu.map(([name], i) => [name, m((r) => r.cpu[i][1])]),
    maxLatencyMs: Math.max(...runs.map((r) => r.maxLatencyMs)),
    resets: runs.reduce((sum, r) => sum + r.resets, 0),
    index: runs[0].index && { ...runs[0].index, fullyIndexedAt: fully.length === runs.length ? median(fully) : undefined },
  };
}

const s = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
const rate = (n: number, secs: number): string => (secs > 0 ? Math.round(n / secs).toLocaleString('en-US') : '-');

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => '---'), ...rows];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function report(fjord: FjordRun[], anchor: AnchorResult | undefined, options: Options, docs: number): string {
  const rows = fjord.map((r) => [
    r.label,
    String(r.documents - r.failed) + (r.failed ? ` (+${r.failed} failed)` : ''),
    String(r.chunks),
    s(r.uploadSeconds),
    `**${s(r.searchableSeconds)}**`,
    rate(r.documents, r.searchableSeconds),
    rate(r.chunks, r.searchableSeconds),
    r.index ? (r.index.fullyIndexedAt !== undefined ? s(r.index.fullyIndexedAt) : `tail of ${r.index.finalTail} rows exact-scanned`) : '-',
    r.rss.map(([name, bytes]) => `${name} ${mb(bytes)}`).join(', '),
  ]);
  if (anchor) {
    const a = anchor.a.insertSeconds + anchor.a.indexSeconds;
    rows.push([
      '(a) LangChain PGVectorStore: addDocuments into a fresh table, then HNSW build',
      '-',
      String(anchor.chunks),
      s(anchor.a.insertSeconds),
      `${s(anchor.a.insertSeconds)} + ${s(anchor.a.indexSeconds)} index = **${s(a)}**`,
      '-',
      rate(anchor.chunks, a),
      s(a),
      `bench process ${mb(anchor.a.peakRssBytes)}`,
    ]);
    rows.push([
      '(b) LangChain PGVectorStore: addDocuments into a table with its HNSW index',
      '-',
      String(anchor.chunks),
      s(anchor.b.insertSeconds),
      `**${s(anchor.b.insertSeconds)}**`,
      '-',
      rate(anchor.chunks, anchor.b.insertSeconds),
      s(anchor.b.insertSeconds),
      '-',
    ]);
  }
  const out = [
    table(['run', 'docs', 'chunks', 'upload s', 'searchable s', 'docs/s', 'chunks/s', 'fully HNSW-indexed s', 'peak RSS'], rows),
    '',
    `${docs} documents from ${options.data}; ${options.clients} uploads in flight (doc/add, add_type text, doc_type md); ` +
      `local hash embedder, ${DIMENSION} dims; HNSW m=${HNSW.m} ef_construction=${HNSW.efConstruction}.`,
  ];
  if (anchor) out.push(`LangChain: ${anchor.chunks} chunks (made in ${s(anchor.chunkSeconds)} s, not counted); server maintenance_work_mem=${anchor.maintenanceWorkMem}.`);
  for (const r of fjord) {
    out.push(
      `${r.label}: CPU seconds until searchable: ${r.cpu.map(([n, c]) => `${n} ${s(c)}`).join(', ')}; ` +
        `slowest request ${Math.round(r.maxLatencyMs)} ms; ${r.resets} requests retried after a connection reset.`,
    );
  }
  for (const r of fjord) {
    if (!r.index) continue;
    const builds = r.index.builds.map((b) => `${b.coveredRows} rows by ${s(b.finishedAt)} s${b.startedAt !== undefined ? ` (build ${s(b.finishedAt - b.startedAt)} s)` : ''}`);
    out.push(`${r.label}: HNSW rebuilds: ${builds.join('; ') || 'none'}; ${r.index.totalRows} rows, final tail ${r.index.finalTail}.`);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.cpuProf) childNodeArgs = ['--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`];
  const docs = loadCorpus(options.data, options.limit);
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  console.log(`bench:ingest: ${docs.length} documents from ${options.data}, ${options.clients} clients, ${new Date().toISOString()}`);

  const fjord: FjordRun[] = [];
  let anchor: AnchorResult | undefined;
  const repeat = async (label: string, fn: () => Promise<FjordRun>): Promise<void> => {
    const runs: FjordRun[] = [];
    for (let i = 0; i < options.repeat; i++) {
      console.log(`${label}${options.repeat > 1 ? ` (${i + 1}/${options.repeat})` : ''} ...`);
      const run = await fn();
      console.log(
        `  searchable in ${s(run.searchableSeconds)} s (upload ${s(run.uploadSeconds)} s), ${run.chunks} chunks, peak RSS ${run.rss.map(([n, b]) => `${n} ${mb(b)}`).join(', ')}; ` +
          `CPU s ${run.cpu.map(([n, c]) => `${n} ${s(c)}`).join(', ')}; slowest request ${Math.round(run.maxLatencyMs)} ms, ${run.resets} resets retried`,
      );
      runs.push(run);
    }
    fjord.push(medianRun(runs));
  };

  if (options.only.has('embedded')) await repeat('embedded', () => runEmbedded(docs, options));
  if (!databaseUrl || !redisUrl) {
    console.log('services mode and the LangChain anchor skipped: set DATABASE_URL and REDIS_URL to run them');
  } else {
    if (options.only.has('services')) {
      for (const concurrency of options.workers) {
        await repeat(`services, WORKER_CONCURRENCY=${concurrency}`, () => runServices(docs, options, concurrency, databaseUrl, redisUrl));
      }
    }
    if (options.only.has('langchain')) {
      // The collection's own options as the API reported them (500 tokens, merged, unless --chunk-length).
      const chunking = fjord[0]?.chunking ?? { chunkLength: options.chunkLength ?? 500, mergeSmallChunks: true };
      const anchors: AnchorResult[] = [];
      for (let i = 0; i < options.repeat; i++) {
        console.log(`LangChain anchor${options.repeat > 1 ? ` (${i + 1}/${options.repeat})` : ''} ...`);
        try {
          anchors.push(await runAnchor(options, databaseUrl, chunking));
        } catch (error) {
          console.error(error);
          break;
        }
        const a = anchors.at(-1) as AnchorResult;
        console.log(`  (a) ${s(a.a.insertSeconds)} s + ${s(a.a.indexSeconds)} s index, (b) ${s(a.b.insertSeconds)} s, ${a.chunks} chunks`);
      }
      const m = (f: (r: AnchorResult) => number) => median(anchors.map(f));
      anchor = anchors.length === 0 ? undefined : {
        ...anchors[0],
        chunkSeconds: m((r) => r.chunkSeconds),
        a: { insertSeconds: m((r) => r.a.insertSeconds), indexSeconds: m((r) => r.a.indexSeconds), peakRssBytes: m((r) => r.a.peakRssBytes ?? 0) },
        b: { insertSeconds: m((r) => r.b.insertSeconds) },
      };
    }
  }
  console.log(`\n${report(fjord, anchor, options, docs.length)}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
