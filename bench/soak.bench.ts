/**
 * Soak: `npm run bench:soak [-- options]`. Mixed load against two API processes and two workers
 * (built code, real child processes) on one PostgreSQL and one Redis, while faults are injected
 * at intervals, in turn:
 *
 * - a worker is killed (SIGKILL) mid-ingest and a new one started a few seconds later;
 * - every Redis client connection of fjord's processes is dropped (`CLIENT KILL TYPE normal`);
 * - every PostgreSQL backend of fjord's processes is terminated (`pg_terminate_backend`).
 *
 * The load is `--clients` loops, each sending one request after another to a random API: searches,
 * uploads (`doc/add`), knowledge chats, bot chats and context turns (chats answered by the fake
 * OpenAI-compatible server over HTTP). Reported: requests and errors by kind, p50/p99 per endpoint,
 * documents acknowledged = documents done (nothing lost), duplicate points (must be 0), faults
 * injected, and each process's RSS over the run (after warm-up, at each quarter, and at the end),
 * sampled every --rss-every-s as well, for the peak of each half of the process's life and the
 * slope of the later half (a process whose memory levels off has a later-half slope near 0).
 *
 * Options: --duration-s <s> (600), --clients <n> (8), --fault-every-s <s> (20), --seed-docs <n> (60),
 * --warmup-s <s> (20), --rss-every-s <s> (10). Needs DATABASE_URL (a fresh database is made on that server and dropped
 * afterwards). Redis is a private `redis-server` on a free port, so dropping its clients touches no
 * one else's; it is stopped at the end. Every child process is stopped and every database dropped,
 * also on failure or Ctrl-C.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { FakeOpenAiServer } from '../test/support/fake-openai-server';
import { corpusPath, loadCorpus, projectRoot } from './support/ingest-corpus';
import { BenchProcess, freePort, mb, procStatusBytes, sleep, until } from './support/ingest-processes';

const ROOT = projectRoot();
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
const KB = '/api/knowledge';
const ADMIN_KEY = 'soak-admin-key-0123456789abcdef';
const MODEL = 'Doubao-1.5-pro-32k';
const COLLECTION = 'soak';

type Kind = 'search' | 'upload' | 'knowledge_chat' | 'bot_chat' | 'context_turn';
/** Share of the requests each kind gets. */
const MIX: Array<[Kind, number]> = [
  ['search', 0.4],
  ['upload', 0.15],
  ['knowledge_chat', 0.15],
  ['bot_chat', 0.15],
  ['context_turn', 0.15],
];

interface Options {
  durationMs: number;
  clients: number;
  faultEveryMs: number;
  seedDocs: number;
  warmupMs: number;
  rssEveryMs: number;
}

function parseOptions(argv: string[]): Options {
  const int = (name: string, fallback: number): number => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) return fallback;
    const n = Number(argv[at + 1]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${argv[at + 1]}`);
    return n;
  };
  return {
    durationMs: int('duration-s', 600) * 1000,
    clients: int('clients', 8),
    faultEveryMs: int('fault-every-s', 20) * 1000,
    seedDocs: int('seed-docs', 60),
    warmupMs: int('warmup-s', 20) * 1000,
    rssEveryMs: int('rss-every-s', 10) * 1000,
  };
}

interface Outcome {
  kind: Kind;
  /** HTTP status, or 0 when no response came (connection refused or reset). */
  status: number;
  ms: number;
  api: number;
  /** For a failure: when (ms into the load) and the start of the answer, for the report. */
  at?: number;
  error?: string;
}

/** A process whose RSS is followed over the run. */
interface Tracked {
  name: string;
  process: BenchProcess;
  /** RSS samples (bytes) at the marks: after warm-up, each quarter, end (or at its death). */
  rss: Array<{ mark: string; bytes: number }>;
  /** RSS every rssEveryMs from the end of warm-up (ms into the load, bytes). */
  series: Array<{ at: number; bytes: number }>;
  /** An API's V8 heap in use at the same moments (its /metrics), to tell heap growth from RSS swings. */
  heap: Array<{ at: number; bytes: number }>;
  /** An API's base URL (workers serve no HTTP). */
  api?: string;
  killedAt?: number;
}

class Soak {
  private readonly cleanups: Array<() => Promise<void>> = [];
  private readonly outcomes: Outcome[] = [];
  private readonly acknowledged = new Set<string>();
  private readonly faults: Array<{ at: number; kind: string; detail: string }> = [];
  private readonly tracked: Tracked[] = [];
  private apis: string[] = [];
  private workers: Tracked[] = [];
  private env: Record<string, string> = {};
  private databaseUrl = '';
  private redisUrl = '';
  private botId = '';
  private contextIds: string[] = [];
  private corpus = loadCorpus(corpusPath(undefined));
  private queries = readFileSync(join(ROOT, '..', 'shared', 'data', 'scifact-train', 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { text: string }).text);
  private nextDoc = 0;
  private startedAt = 0;
  private readonly logDir = mkdtempSync(join(tmpdir(), 'fjord-soak-'));
  /** Error-level log lines of every process (pino level 50 and up), grouped by message. */
  private errorLog: string[] = [];

  constructor(private readonly options: Options) {}

  async run(): Promise<void> {
    try {
      await this.setUp();
      await this.seed();
      const report = await this.load();
      console.log(report);
    } finally {
      for (const cleanup of this.cleanups.reverse()) await cleanup().catch((error: unknown) => console.error('cleanup failed:', error));
      rmSync(this.logDir, { recursive: true, force: true });
    }
  }

  async abort(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
    this.cleanups.length = 0;
  }

  private async setUp(): Promise<void> {
    const baseUrl = process.env.DATABASE_URL;
    if (!baseUrl) throw new Error('bench:soak needs DATABASE_URL (PostgreSQL with pgvector); a fresh database is made there');
    const name = `fjord_soak_${randomBytes(4).toString('hex')}`;
    await this.admin(baseUrl, `CREATE DATABASE ${name}`);
    this.cleanups.push(() => this.admin(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    this.databaseUrl = url.toString();

    // A private Redis: CLIENT KILL then drops only fjord's own connections.
    const redisPort = await freePort();
    const redis: ChildProcess = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    this.cleanups.push(async () => {
      if (redis.exitCode === null) {
        const exited = new Promise((resolve) => redis.once('exit', resolve));
        redis.kill('SIGTERM');
        await exited;
      }
    });
    this.redisUrl = `redis://127.0.0.1:${redisPort}`;
    await until('redis-server', async () => {
      const probe = new IORedis(this.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined); // not up yet: polled again
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG' ? true : undefined;
      } finally {
        probe.disconnect();
      }
    }, 10_000);

    const fake = await FakeOpenAiServer.start();
    this.cleanups.push(() => fake.close());
    // The fake keeps every request it saw; the soak reads none of them.
    const forget = setInterval(() => fake.reset(), 5_000);
    forget.unref();
    this.cleanups.push(async () => clearInterval(forget));

    this.env = {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      QUEUE_PREFIX: `fjord-soak-${randomBytes(4).toString('hex')}`,
      ADMIN_API_KEY: ADMIN_KEY,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      LLM_BASE_URL: fake.baseUrl,
      LLM_MAX_RETRIES: '0',
      DATABASE_POOL_SIZE: '6',
      INGEST_BACKOFF_MS: '200',
      // A killed worker's job is taken over after this (the default is 30 s).
      INGEST_LOCK_MS: '5000',
    };
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const api = this.track(`api-${i + 1}`, new BenchProcess(`api-${i + 1}`, API_MAIN, { ...this.env, PORT: String(port) }, join(this.logDir, `api-${i + 1}.log`)));
      api.api = `http://127.0.0.1:${port}`;
      this.apis.push(api.api);
    }
    for (let i = 0; i < 2; i++) this.workers.push(this.startWorker(`worker-${i + 1}`));
    for (const api of this.apis) await until(`API ${api}`, async () => ((await fetch(`${api}/health`)).ok ? true : undefined), 120_000);
  }

  private track(name: string, process: BenchProcess): Tracked {
    const tracked: Tracked = { name, process, rss: [], series: [], heap: [] };
    this.tracked.push(tracked);
    this.cleanups.push(() => process.stop());
    return tracked;
  }

  private startWorker(name: string): Tracked {
    return this.track(name, new BenchProcess(name, WORKER_MAIN, this.env, join(this.logDir, `${name}.log`)));
  }

  private async admin(url: string, sql: string): Promise<void> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  private async post(api: string, path: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${api}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text };
    }
  }

  private nextDocument(): { docId: string; content: string } {
    const doc = this.corpus[this.nextDoc % this.corpus.length];
    const n = this.nextDoc++;
    return { docId: `soak-${n}`, content: doc.markdown };
  }

  private async seed(): Promise<void> {
    const api = this.apis[0];
    const created = await this.post(api, `${KB}/collection/create`, { name: COLLECTION });
    if (created.status !== 200) throw new Error(`collection/create: ${JSON.stringify(created.body)}`);
    const seeded: string[] = [];
    for (let i = 0; i < this.options.seedDocs; i++) {
      const { docId, content } = this.nextDocument();
      const added = await this.post(api, `${KB}/doc/add`, { collection_name: COLLECTION, add_type: 'text', doc_type: 'md', doc_id: docId, content });
      if (added.status !== 200) throw new Error(`seed doc/add: ${JSON.stringify(added.body)}`);
      this.acknowledged.add(docId);
      seeded.push(docId);
    }
    await this.waitFinished(seeded, 300_000);
    const bot = await this.post(api, '/api/v2/bots', { name: 'soak bot', model: MODEL, knowledge: { collections: [{ name: COLLECTION }] } });
    if (bot.status !== 200) throw new Error(`bot create: ${JSON.stringify(bot.body)}`);
    this.botId = bot.body.id;
    for (let i = 0; i < 8; i++) {
      const context = await this.post(api, '/api/v3/context/create', { model: MODEL, mode: 'session', ttl: 3600, messages: [{ role: 'system', content: `You are soak assistant ${i}. Be short.` }] });
      if (context.status !== 200) throw new Error(`context create: ${JSON.stringify(context.body)}`);
      this.contextIds.push(context.body.id);
    }
  }

  /** Until every one of the documents is done or failed (status 0 or 1), read from the database. */
  private async waitFinished(docIds: string[], timeoutMs: number): Promise<void> {
    const sql = new Client({ connectionString: this.databaseUrl });
    await sql.connect();
    try {
      await until(
        `${docIds.length} documents to finish`,
        async () => {
          const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM documents WHERE doc_id = ANY($1) AND status IN (0, 1)', [docIds]);
          return rows[0].n === docIds.length ? true : undefined;
        },
        timeoutMs,
        500,
      );
    } finally {
      await sql.end();
    }
  }

  private question(): string {
    return this.queries[Math.floor(Math.random() * this.queries.length)];
  }

  private pickKind(): Kind {
    let r = Math.random();
    for (const [kind, share] of MIX) {
      r -= share;
      if (r <= 0) return kind;
    }
    return 'search';
  }

  private async request(kind: Kind): Promise<void> {
    const apiIndex = Math.floor(Math.random() * this.apis.length);
    const api = this.apis[apiIndex];
    const started = performance.now();
    let status = 0;
    let error: string | undefined;
    const record = (reply: { status: number; body: any }): number => {
      if (reply.status < 200 || reply.status >= 300) error = JSON.stringify(reply.body).slice(0, 300);
      return reply.status;
    };
    try {
      switch (kind) {
        case 'search':
          status = record(await this.post(api, `${KB}/collection/search_knowledge`, { collection_name: COLLECTION, query: this.question(), limit: 5 }));
          break;
        case 'upload': {
          const { docId, content } = this.nextDocument();
          status = record(await this.post(api, `${KB}/doc/add`, { collection_name: COLLECTION, add_type: 'text', doc_type: 'md', doc_id: docId, content }));
          if (status === 200) this.acknowledged.add(docId);
          break;
        }
        case 'knowledge_chat':
          status = record(await this.post(api, `${KB}/chat/completions`, { model: MODEL, collection_name: COLLECTION, messages: [{ role: 'user', content: this.question() }] }));
          break;
        case 'bot_chat':
          status = record(await this.post(api, `/api/v2/bots/${this.botId}/chat`, { messages: [{ role: 'user', content: this.question() }] }));
          break;
        case 'context_turn': {
          const contextId = this.contextIds[Math.floor(Math.random() * this.contextIds.length)];
          status = record(await this.post(api, '/api/v3/context/chat/completions', { model: MODEL, context_id: contextId, messages: [{ role: 'user', content: this.question() }] }));
          break;
        }
      }
    } catch (thrown) {
      status = 0;
      error = String(thrown);
    }
    const ms = performance.now() - started;
    this.outcomes.push({ kind, status, ms, api: apiIndex, ...(error ? { at: Date.now() - this.startedAt, error } : {}) });
  }

  private async injectFault(round: number): Promise<void> {
    const at = Date.now() - this.startedAt;
    switch (round % 3) {
      case 0: {
        // Kill a worker mid-ingest; a replacement starts a few seconds later.
        const victim = this.workers.shift() as Tracked;
        victim.rss.push({ mark: 'killed', bytes: procStatusBytes(victim.process.pid, 'VmRSS') ?? 0 });
        victim.killedAt = at;
        process.kill(victim.process.pid, 'SIGKILL');
        await victim.process.exited;
        this.faults.push({ at, kind: 'worker killed (SIGKILL)', detail: victim.name });
        await sleep(3_000);
        const replacement = this.startWorker(`worker-${this.tracked.filter((t) => t.name.startsWith('worker')).length + 1}`);
        replacement.rss.push({ mark: 'started', bytes: 0 });
        this.workers.push(replacement);
        break;
      }
      case 1: {
        const redis = new IORedis(this.redisUrl, { maxRetriesPerRequest: 1 });
        redis.on('error', () => undefined);
        try {
          const killed = await redis.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
          this.faults.push({ at, kind: 'Redis CLIENT KILL TYPE normal', detail: `${killed} connections` });
        } finally {
          redis.disconnect();
        }
        break;
      }
      case 2: {
        const sql = new Client({ connectionString: this.databaseUrl });
        await sql.connect();
        try {
          const { rows } = await sql.query<{ n: number }>(
            'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
          );
          this.faults.push({ at, kind: 'pg_terminate_backend', detail: `${rows[0].n} backends` });
        } finally {
          await sql.end();
        }
        break;
      }
    }
  }

  /** nodejs_heap_size_used_bytes from an API's /metrics; undefined when it does not answer. */
  private async heapUsed(api: string): Promise<number | undefined> {
    try {
      const response = await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: AbortSignal.timeout(5_000) });
      const match = /^fjord_nodejs_heap_size_used_bytes (\d+(?:\.\d+)?(?:e\+?\d+)?)/m.exec(await response.text());
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  }

  private sampleRss(mark: string): void {
    for (const tracked of this.tracked) {
      if (!tracked.process.running) continue;
      tracked.rss.push({ mark, bytes: procStatusBytes(tracked.process.pid, 'VmRSS') ?? 0 });
    }
  }

  private async load(): Promise<string> {
    const { durationMs, clients, faultEveryMs, warmupMs } = this.options;
    this.startedAt = Date.now();
    const deadline = this.startedAt + durationMs;
    const loops = Array.from({ length: clients }, async () => {
      while (Date.now() < deadline) await this.request(this.pickKind());
    });
    const marks = [
      { at: warmupMs, mark: 'warm' },
      { at: durationMs / 4, mark: '25%' },
      { at: durationMs / 2, mark: '50%' },
      { at: (3 * durationMs) / 4, mark: '75%' },
    ].filter((m) => m.at >= warmupMs);
    const sampler = (async () => {
      for (const { at, mark } of marks) {
        await sleep(Math.max(0, this.startedAt + at - Date.now()));
        this.sampleRss(mark);
      }
    })();
    const series = (async () => {
      for (let at = warmupMs; at < durationMs; at += this.options.rssEveryMs) {
        await sleep(Math.max(0, this.startedAt + at - Date.now()));
        for (const tracked of this.tracked) {
          const bytes = tracked.process.running ? procStatusBytes(tracked.process.pid, 'VmRSS') : undefined;
          if (bytes) tracked.series.push({ at: Date.now() - this.startedAt, bytes });
        }
        await Promise.all(
          this.tracked.map(async (tracked) => {
            const heap = tracked.api ? await this.heapUsed(tracked.api) : undefined;
            if (heap) tracked.heap.push({ at: Date.now() - this.startedAt, bytes: heap });
          }),
        );
      }
    })();
    const faults = (async () => {
      for (let round = 0; ; round++) {
        await sleep(Math.max(0, this.startedAt + (round + 1) * faultEveryMs - Date.now()));
        if (Date.now() >= deadline - 5_000) return;
        await this.injectFault(round).catch((error: unknown) => this.faults.push({ at: Date.now() - this.startedAt, kind: 'fault injection failed', detail: String(error) }));
      }
    })();
    await Promise.all([...loops, sampler, series, faults]);
    this.sampleRss('end');
    const loadMs = Date.now() - this.startedAt;

    // Nothing lost: every acknowledged upload reaches done (or failed, with a reason).
    const acknowledged = [...this.acknowledged];
    let settled = true;
    try {
      await this.waitFinished(acknowledged, 600_000);
    } catch {
      settled = false;
    }
    const sql = new Client({ connectionString: this.databaseUrl });
    await sql.connect();
    let documents: { stored: number; done: number; failed: number; unfinished: number; reasons: string[] };
    let duplicates: number;
    let orphanPoints: number;
    try {
      const { rows } = await sql.query<{ stored: number; done: number; failed: number; unfinished: number }>(
        `SELECT count(*)::int AS stored, count(*) FILTER (WHERE status = 0)::int AS done, count(*) FILTER (WHERE status = 1)::int AS failed,
                count(*) FILTER (WHERE status NOT IN (0, 1))::int AS unfinished
           FROM documents WHERE doc_id = ANY($1)`,
        [acknowledged],
      );
      const reasons = await sql.query<{ reason: string }>('SELECT DISTINCT COALESCE(failed_reason, \'?\') AS reason FROM documents WHERE status = 1 LIMIT 5').catch(() => ({ rows: [] as Array<{ reason: string }> }));
      documents = { ...rows[0], reasons: reasons.rows.map((row) => row.reason) };
      duplicates = (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT 1 FROM points GROUP BY document_id, chunk_id HAVING count(*) > 1) d')).rows[0].n;
      orphanPoints = (await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM points p WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = p.document_id)')).rows[0].n;
    } finally {
      await sql.end();
    }
    const crashed = this.tracked.filter((t) => !t.process.running && t.killedAt === undefined).map((t) => `${t.name}: ${t.process.tail(20)}`);
    this.errorLog = this.tracked.flatMap((t) => errorLines(t.process.logPath).map((line) => `${t.name}: ${line}`));
    return this.report({ loadMs, acknowledged: acknowledged.length, settled, documents, duplicates, orphanPoints, crashed });
  }

  private report(result: {
    loadMs: number;
    acknowledged: number;
    settled: boolean;
    documents: { stored: number; done: number; failed: number; unfinished: number; reasons: string[] };
    duplicates: number;
    orphanPoints: number;
    crashed: string[];
  }): string {
    const lines: string[] = [];
    const { durationMs, clients, faultEveryMs } = this.options;
    lines.push(
      `## bench:soak: ${Math.round(result.loadMs / 1000)} s, ${clients} clients, 2 APIs + 2 workers, a fault every ${faultEveryMs / 1000} s`,
      '',
      `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end; duration asked ${durationMs / 1000} s.`,
      '',
      '| kind | requests | 2xx | errors (status: count) | p50 ms | p99 ms |',
      '|---|---|---|---|---|---|',
    );
    for (const [kind] of MIX) {
      const mine = this.outcomes.filter((o) => o.kind === kind);
      const ok = mine.filter((o) => o.status >= 200 && o.status < 300);
      const errors = new Map<string, number>();
      for (const o of mine) if (o.status < 200 || o.status >= 300) errors.set(o.status === 0 ? 'no response' : String(o.status), (errors.get(o.status === 0 ? 'no response' : String(o.status)) ?? 0) + 1);
      const ms = mine.map((o) => o.ms).sort((a, b) => a - b);
      const pct = (p: number) => (ms.length ? ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(0) : '-');
      lines.push(`| ${kind} | ${mine.length} | ${ok.length} | ${[...errors].map(([s, n]) => `${s}: ${n}`).join(', ') || '0'} | ${pct(0.5)} | ${pct(0.99)} |`);
    }
    const total = this.outcomes.length;
    const failed = this.outcomes.filter((o) => o.status < 200 || o.status >= 300).length;
    lines.push(`| all | ${total} | ${total - failed} | ${failed} (${((100 * failed) / Math.max(1, total)).toFixed(2)}%) | | |`, '');
    const failures = this.outcomes.filter((o) => o.error);
    if (failures.length > 0) {
      lines.push('Failed requests (first 10):', '');
      for (const o of failures.slice(0, 10)) lines.push(`- ${((o.at ?? 0) / 1000).toFixed(1)} s, ${o.kind} via api-${o.api + 1}: ${o.status || 'no response'} ${o.error}`);
      lines.push('');
    }
    lines.push('Faults injected:', '');
    for (const f of this.faults) lines.push(`- ${(f.at / 1000).toFixed(0)} s: ${f.kind} (${f.detail})`);
    lines.push(
      '',
      `Documents: ${result.acknowledged} acknowledged uploads (seed included); ${result.documents.stored} stored, ${result.documents.done} done, ${result.documents.failed} failed, ${result.documents.unfinished} unfinished${result.settled ? '' : ' (timed out waiting)'}; lost = ${result.acknowledged - result.documents.stored}.`,
      `Duplicate points (same document and chunk twice): ${result.duplicates}. Points without a document: ${result.orphanPoints}.`,
    );
    if (result.documents.failed > 0) lines.push(`Failure reasons: ${result.documents.reasons.join('; ')}`);
    lines.push(
      '',
      `RSS per process (MB); samples every ${this.options.rssEveryMs / 1000} s after warm-up; "halves" are of the process's own sampled life, the slope a least-squares fit over its later half.`,
      '',
      '| process | after warm-up | 25% | 50% | 75% | end (or killed) | growth warm-up to end | samples | peak 1st half | peak 2nd half | slope 2nd half (MB/min) |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const t of this.tracked) {
      const at = (mark: string) => t.rss.find((s) => s.mark === mark)?.bytes;
      const first = t.rss.find((s) => s.bytes > 0);
      const last = [...t.rss].reverse().find((s) => s.bytes > 0);
      const growth = first && last && first !== last ? `${signedMb(last.bytes - first.bytes)} (${first.mark} to ${last.mark})` : 'n/a';
      const half = Math.floor(t.series.length / 2);
      const peak = (samples: Tracked['series']) => (samples.length ? mb(Math.max(...samples.map((sample) => sample.bytes))) : '-');
      const slope = t.series.length >= 6 ? slopeMbPerMinute(t.series.slice(half)).toFixed(1) : '-';
      lines.push(
        `| ${t.name}${t.killedAt !== undefined ? ` (killed at ${Math.round(t.killedAt / 1000)} s)` : ''} | ${mb(at('warm'))} | ${mb(at('25%'))} | ${mb(at('50%'))} | ${mb(at('75%'))} | ${mb(at('end') ?? at('killed'))} | ${growth} | ${t.series.length} | ${peak(t.series.slice(0, half))} | ${peak(t.series.slice(half))} | ${slope} |`,
      );
    }
    const apis = this.tracked.filter((t) => t.heap.length >= 6);
    if (apis.length > 0) {
      lines.push('', 'V8 heap in use of the APIs (MB, their /metrics at the same moments):', '', '| process | after warm-up | end | peak 1st half | peak 2nd half | slope 2nd half (MB/min) |', '|---|---|---|---|---|---|');
      for (const t of apis) {
        const half = Math.floor(t.heap.length / 2);
        const peak = (samples: Tracked['heap']) => mb(Math.max(...samples.map((sample) => sample.bytes)));
        lines.push(`| ${t.name} | ${mb(t.heap[0].bytes)} | ${mb(t.heap[t.heap.length - 1].bytes)} | ${peak(t.heap.slice(0, half))} | ${peak(t.heap.slice(half))} | ${slopeMbPerMinute(t.heap.slice(half)).toFixed(1)} |`);
      }
    }
    if (this.errorLog.length > 0) lines.push('', 'Error log lines (message: count):', '', ...this.errorLog.map((line) => `- ${line}`));
    if (result.crashed.length > 0) lines.push('', 'Processes that died on their own:', ...result.crashed.map((c) => `\n${c}`));
    else lines.push('', 'No process died on its own.');
    return lines.join('\n');
  }
}

/** A process log's error lines (pino JSON, level >= 50), as "message (err): count". */
function errorLines(path: string): string[] {
  const counts = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((entry.level ?? 0) < 50) continue;
      const key = `${entry.msg ?? '?'}${entry.err?.message ? ` (${entry.err.message.slice(0, 160)})` : ''}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    } catch {
      /* not JSON */
    }
  }
  return [...counts].map(([key, n]) => `${key}: ${n}`);
}

/** Least-squares slope of RSS over time, in MB per minute. */
function slopeMbPerMinute(samples: Array<{ at: number; bytes: number }>): number {
  const n = samples.length;
  const meanAt = samples.reduce((sum, sample) => sum + sample.at, 0) / n;
  const meanBytes = samples.reduce((sum, sample) => sum + sample.bytes, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const sample of samples) {
    covariance += (sample.at - meanAt) * (sample.bytes - meanBytes);
    variance += (sample.at - meanAt) ** 2;
  }
  return variance > 0 ? ((covariance / variance) * 60_000) / (1024 * 1024) : 0;
}

function signedMb(bytes: number): string {
  const value = Math.round(bytes / (1024 * 1024));
  return `${value > 0 ? '+' : ''}${value} MB`;
}

async function main(): Promise<void> {
  const soak = new Soak(parseOptions(process.argv.slice(2)));
  const interrupt = () => {
    void soak.abort().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  await soak.run();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
