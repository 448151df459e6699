/**
 * Responsiveness while a large document is ingested: `npm run bench:responsiveness [-- options]`.
 *
 * Starts the built api process (embedded PGlite; and, when DATABASE_URL is set, PostgreSQL on a
 * fresh database with the in-process runner, so ingestion runs in the api process in both), fills a
 * collection with about `--seed-chunks` chunks (SciFact abstracts, ../shared/data/scifact-train,
 * grouped into documents), then uploads one `--doc-mb` MB Markdown document and, from the upload
 * until the document is done and the vector-index check after it has run, probes:
 *   - GET /health, one request after another (every 50 ms);
 *   - search_knowledge, one request after another (every 250 ms), cycling through SciFact titles.
 * The same probes run for 10 s on the idle seeded collection first: that is the anchor.
 * Reports count, p50, p99 and max of each, idle and during ingest, and the ingest's wall time.
 *
 * Options: --seed-chunks <n> (20000), --doc-mb <n> (10), --chunk-length <tokens> (100),
 * --only <embedded|postgres>[,...], --timeout-s <s> (900 per phase).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { corpusPath, loadCorpus, projectRoot } from './support/ingest-corpus';
import { BenchProcess, freePort, sleep, until } from './support/ingest-processes';

const API_MAIN = join(projectRoot(), 'dist/apps/api/src/main.js');
const KB = '/api/knowledge';
const COLLECTION = 'responsiveness';

interface Options {
  seedChunks: number;
  docMb: number;
  chunkLength: number;
  only: Set<string>;
  timeoutMs: number;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    seedChunks: Number(value('seed-chunks') ?? 20_000),
    docMb: Number(value('doc-mb') ?? 10),
    chunkLength: Number(value('chunk-length') ?? 100),
    only: new Set((value('only') ?? 'embedded,postgres').split(',')),
    timeoutMs: Number(value('timeout-s') ?? 900) * 1000,
  };
}

class Api {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async post<T = any>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.key}` },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as { code?: number; message?: string };
    if (!response.ok || (json.code !== undefined && json.code !== 0)) throw new Error(`${path}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json as T;
  }

  async upload(name: string, docId: string, text: string): Promise<void> {
    const form = new FormData();
    form.set('collection_name', COLLECTION);
    form.set('doc_id', docId);
    form.set('doc_type', 'md');
    form.set('file', new Blob([text], { type: 'text/markdown' }), name);
    const response = await fetch(`${this.baseUrl}${KB}/doc/upload`, { method: 'POST', headers: { authorization: `Bearer ${this.key}` }, body: form });
    if (!response.ok) throw new Error(`upload ${docId}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  }

  async healthy(): Promise<true | undefined> {
    return (await fetch(`${this.baseUrl}/health`)).ok ? true : undefined;
  }

  /** The document's point count once it is done; undefined while it is queued or processing. */
  async donePoints(docId: string): Promise<number | undefined> {
    const { data } = await this.post<{ data: { point_num: number; status: { process_status: number } } }>(`${KB}/doc/info`, { collection_name: COLLECTION, doc_id: docId });
    if (data.status.process_status === 1) throw new Error(`${docId} failed: ${JSON.stringify(data.status)}`);
    return data.status.process_status === 0 ? data.point_num : undefined;
  }
}

/** Latency samples of one probe loop. */
class Probe {
  readonly latencies: number[] = [];
  failures = 0;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    private readonly intervalMs: number,
    private readonly request: (i: number) => Promise<unknown>,
  ) {}

  start(): void {
    this.loop = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const started = performance.now();
        try {
          await this.request(i);
          this.latencies.push(performance.now() - started);
        } catch {
          this.failures++;
        }
        await sleep(Math.max(0, this.intervalMs - (performance.now() - started)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

const ms = (v: number) => (Number.isNaN(v) ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

function summarize(label: string, probe: Probe): string[] {
  const l = probe.latencies;
  return [label, String(l.length), ms(quantile(l, 0.5)), ms(quantile(l, 0.99)), ms(Math.max(...l)), String(probe.failures)];
}

async function measure(api: Api, queries: string[], during: () => Promise<void>): Promise<{ health: Probe; search: Probe }> {
  const health = new Probe(50, () => fetch(`${api.baseUrl}/health`).then((r) => r.arrayBuffer()));
  const search = new Probe(250, (i) => api.post(`${KB}/collection/search_knowledge`, { collection_name: COLLECTION, query: queries[i % queries.length], limit: 5 }));
  health.start();
  search.start();
  try {
    await during();
  } finally {
    await Promise.all([health.stop(), search.stop()]);
  }
  return { health, search };
}

interface RunResult {
  label: string;
  seededChunks: number;
  seedSeconds: number;
  docChunks: number;
  ingestSeconds: number;
  rows: string[][];
}

async function run(label: string, env: Record<string, string>, options: Options): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-resp-'));
  const port = await freePort();
  const key = `bench-${randomBytes(16).toString('hex')}`;
  const api = new Api(`http://127.0.0.1:${port}`, key);
  const server = new BenchProcess(label, API_MAIN, { DATA_DIR: join(dir, 'data'), PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: key, LOG_LEVEL: 'warn', NODE_ENV: 'production', LOG_FORMAT: 'json', ...env }, join(dir, 'api.log'));
  try {
    await until('the api to start', () => api.healthy(), 120_000);
    await api.post(`${KB}/collection/create`, { name: COLLECTION, preprocessing: { chunk_length: options.chunkLength } });

    // Seed: SciFact abstracts grouped 100 to a document until the collection holds seedChunks.
    const corpus = loadCorpus(corpusPath(undefined));
    const queries = corpus.slice(0, 200).map((d) => d.docName.slice(0, 200));
    const seedStarted = Date.now();
    let next = 0;
    let seeded = 0;
    for (let group = 0; seeded < options.seedChunks; group++) {
      const batch = Array.from({ length: 100 }, () => corpus[next++ % corpus.length].markdown.replace(/^# /, '## '));
      const docId = `seed-${group}`;
      await api.upload(`${docId}.md`, docId, `# Seed ${group}\n\n${batch.join('\n\n')}`);
      seeded += await until(`seed ${docId}`, () => api.donePoints(docId), options.timeoutMs, 250);
    }
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    // Let the seed's own vector-index rebuild finish before measuring the idle anchor.
    await sleep(8_000);
    const idle = await measure(api, queries, () => sleep(10_000));

    // The large document: abstracts again, in another order, until docMb megabytes.
    const parts: string[] = ['# Large document'];
    let size = 0;
    for (let i = corpus.length - 1; size < options.docMb * 1024 * 1024; i = (i + corpus.length - 7) % corpus.length) {
      const part = corpus[i].markdown.replace(/^# /, '## ');
      parts.push(part);
      size += Buffer.byteLength(part) + 2;
    }
    let ingestSeconds = 0;
    let docChunks = 0;
    const busy = await measure(api, queries, async () => {
      const started = Date.now();
      await api.upload('large.md', 'large', parts.join('\n\n'));
      docChunks = await until('the large document', () => api.donePoints('large'), options.timeoutMs, 500);
      ingestSeconds = (Date.now() - started) / 1000;
      // The vector-index check runs after writes pause (3 s on PGlite): keep probing through it.
      await sleep(15_000);
    });
    return {
      label,
      seededChunks: seeded,
      seedSeconds,
      docChunks,
      ingestSeconds,
      rows: [
        summarize('/health idle', idle.health),
        summarize('/health during ingest', busy.health),
        summarize('search idle', idle.search),
        summarize('search during ingest', busy.search),
      ],
    };
  } catch (error) {
    console.error(`${label} log tail:\n${server.tail()}`);
    throw error;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function freshDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `fjord_bench_resp_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const results: RunResult[] = [];
  if (options.only.has('embedded')) results.push(await run('embedded (PGlite)', {}, options));
  const databaseUrl = process.env.DATABASE_URL;
  if (options.only.has('postgres') && databaseUrl) {
    const db = await freshDatabase(databaseUrl);
    try {
      results.push(await run('PostgreSQL, in-process runner', { DATABASE_URL: db.url }, options));
    } finally {
      await db.drop();
    }
  }
  for (const result of results) {
    console.log(`\n## ${result.label}`);
    console.log(`seeded ${result.seededChunks} chunks in ${result.seedSeconds.toFixed(0)} s; a ${options.docMb} MB document added ${result.docChunks} chunks in ${result.ingestSeconds.toFixed(1)} s\n`);
    console.log('| probe | n | p50 | p99 | max | failed |\n|---|---|---|---|---|---|');
    for (const row of result.rows) console.log(`| ${row.join(' | ')} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
