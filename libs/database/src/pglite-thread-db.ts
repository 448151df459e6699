import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DataDirLock } from './data-dir-lock';
import { Db, QueryResult, Queryable, ReadDb, Row, TransactionOptions } from './db';
import { findMigrationsDir } from './migrator';
import { PgliteRequest, PgliteResponse, PgliteWorkerData, deserializeError } from './pglite-thread.protocol';

type Pending = { resolve: (response: PgliteResponse & { ok: true }) => void; reject: (error: Error) => void; sentAt: number };
type Outgoing = PgliteRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type Lane = 'foreground' | 'background';
type Release = () => void;

/** When background transactions get the turn (see PgliteThreadDb). */
export interface TurnPolicy {
  /**
   * Reads (reader(): searches) count as finished only after this long without any: a search's
   * statements follow one another with a little JavaScript in between, and a batch slipped into every
   * such gap made the search wait for as many batches as it had statements.
   */
  readsQuietMs: number;
  /**
   * How long background work may wait while foreground work keeps coming: past it, the oldest
   * background transaction goes next, so a steady stream of searches slows ingestion but never stops it.
   * At 300 ms, searches back to back during a 10 MB ingest had p99 0.7-0.8 s and the ingest took
   * about 2x as long as without priorities; at 1 s, p99 1.04 s and 4x (docs/benchmarks.md).
   */
  backgroundMaxWaitMs: number;
}

const DEFAULT_TURN_POLICY: TurnPolicy = { readsQuietMs: 50, backgroundMaxWaitMs: 300 };

/**
 * Embedded PGlite on its own worker thread, behind the same Db interface as PgliteDb. PGlite runs
 * every statement synchronously in WASM; on the API's thread a vector index build or a large scan
 * stopped all requests (health checks included) for seconds. Here it only delays other queries.
 *
 * PGlite is one connection, so ordering is the whole concurrency model: requests are sent in turn,
 * and a transaction or session keeps the turn until it ends, so no other caller's statement can land
 * inside it (the worker runs messages in arrival order). Foreground callers (searches, API reads
 * and writes) go before background transactions (ingestion batches), and a background transaction
 * starts only once searches (reads through reader()) have been quiet for a moment (TurnPolicy):
 * otherwise a batch ran between each two of a search's statements, and a search during a large
 * ingest took as many batches as it had statements.
 */
export class PgliteThreadDb implements Db {
  readonly kind = 'pglite' as const;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private turnHeld = false;
  private readonly waiting: Record<Lane, Array<{ grant: () => void; since: number }>> = { foreground: [], background: [] };
  /** Reads through reader() (searches) that hold the turn or still run on the thread. */
  private readsActive = 0;
  private readsQuietSince = 0;
  private wake?: NodeJS.Timeout;
  private failure?: Error;
  private closing?: Promise<void>;

  /** Statements of a transaction or session that holds the turn go straight to the thread. */
  private readonly direct: Queryable = {
    query: <T extends object = Row>(sql: string, params?: readonly unknown[]) => this.runQuery<T>(sql, params),
    exec: async (sql: string) => {
      await this.request({ op: 'exec', sql });
    },
  };

  private constructor(
    private readonly worker: Worker,
    private readonly lock: DataDirLock | undefined,
    private readonly policy: TurnPolicy,
  ) {
    worker.on('message', (response: PgliteResponse) => this.settle(response));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the PGlite thread exited (code ${code})`)));
  }

  /** `lock` is the data directory's lock, released when this Db closes. */
  static async open(dataDir: string | undefined, lock?: DataDirLock, policy: Partial<TurnPolicy> = {}): Promise<PgliteThreadDb> {
    const worker = new Worker(workerEntry(), { workerData: { dataDir } satisfies PgliteWorkerData });
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (response: PgliteResponse) => {
        if (response.id !== 0) return;
        worker.off('message', onMessage);
        if (response.ok) resolve();
        else reject(deserializeError(response.error));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the PGlite thread exited while opening (code ${code})`)));
    });
    try {
      await ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return new PgliteThreadDb(worker, lock, { ...DEFAULT_TURN_POLICY, ...policy });
  }

  connectionSetting(_name: string): string | undefined {
    return undefined;
  }

  /**
   * Embedded: one database, no replicas. Searches read through here, and a background transaction
   * waits for these reads to be quiet (TurnPolicy): other foreground work (uploads, status reads) goes
   * before background work when both wait, but does not hold it back, or a bulk upload would starve
   * its own ingestion.
   */
  reader(): ReadDb {
    return this.reads;
  }

  private readonly reads: ReadDb = {
    query: <T extends object = Row>(sql: string, params?: readonly unknown[]) => this.foregroundQuery<T>(sql, params, true),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => this.foregroundTransaction(fn, true),
    connectionSetting: (name: string) => this.connectionSetting(name),
  };

  busySince(): number | undefined {
    if (this.failure) return undefined;
    for (const waiting of this.pending.values()) return waiting.sentAt; // insertion order: the oldest
    return undefined;
  }

  query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.foregroundQuery<T>(sql, params, false);
  }

  private async foregroundQuery<T extends object>(sql: string, params: readonly unknown[] | undefined, read: boolean): Promise<QueryResult<T>> {
    const release = await this.turn();
    this.readStarted(read);
    const result = this.runQuery<T>(sql, params);
    release(); // sent: the thread keeps the order from here
    try {
      return await result;
    } finally {
      this.readEnded(read);
    }
  }

  async exec(sql: string): Promise<void> {
    const release = await this.turn();
    const done = this.request({ op: 'exec', sql });
    release();
    await done;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return options.background ? this.backgroundTransaction(fn) : this.foregroundTransaction(fn, false);
  }

  private async foregroundTransaction<T>(fn: (tx: Queryable) => Promise<T>, read: boolean): Promise<T> {
    const release = await this.turn('foreground');
    this.readStarted(read);
    try {
      return await this.inTransaction(fn);
    } finally {
      release();
      this.readEnded(read);
    }
  }

  private async backgroundTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const release = await this.turn('background');
    try {
      return await this.inTransaction(fn);
    } finally {
      release();
    }
  }

  /** BEGIN, fn, COMMIT (ROLLBACK when fn throws), for a caller that holds the turn. */
  private async inTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    await this.request({ op: 'exec', sql: 'BEGIN' });
    let result: T;
    try {
      result = await fn(this.direct);
    } catch (error) {
      await this.request({ op: 'exec', sql: 'ROLLBACK' }).catch(() => undefined);
      throw error;
    }
    await this.request({ op: 'exec', sql: 'COMMIT' });
    return result;
  }

  async session<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const release = await this.turn();
    try {
      return await fn(this.direct);
    } finally {
      await this.request({ op: 'exec', sql: 'RESET ALL' }).catch(() => undefined);
      release();
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        const release = await this.turn();
        await this.request({ op: 'close' }).catch(() => undefined);
        release();
        await this.worker.terminate();
      } finally {
        this.lock?.release();
      }
    })();
    return this.closing;
  }

  private async runQuery<T extends object>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const response = await this.request({ op: 'query', sql, params });
    return { rows: (response.rows ?? []) as T[], rowCount: response.rowCount ?? 0 };
  }

  /**
   * Resolves with a release function (call it once) when this caller holds the turn. Every request
   * queues and dispatch() decides, also when the turn is free: a background transaction must wait
   * for quiet reads even when it arrives while a search's statement runs on the thread.
   */
  private turn(lane: Lane = 'foreground'): Promise<Release> {
    return new Promise((resolve) => {
      const grant = () => {
        this.turnHeld = true;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.turnHeld = false;
          this.dispatch();
        });
      };
      this.waiting[lane].push({ grant, since: Date.now() });
      this.dispatch();
    });
  }

  private readStarted(read: boolean): void {
    if (read) this.readsActive++;
  }

  private readEnded(read: boolean): void {
    if (!read) return;
    this.readsActive--;
    this.readsQuietSince = Date.now();
    this.dispatch();
  }

  /** Grants a free turn: an overdue background transaction, else foreground, else background once reads are quiet. */
  private dispatch(): void {
    if (this.turnHeld) return;
    const background = this.waiting.background[0];
    const now = Date.now();
    const overdueIn = background ? background.since + this.policy.backgroundMaxWaitMs - now : Infinity;
    const foreground = overdueIn <= 0 ? undefined : this.waiting.foreground.shift();
    if (foreground) return foreground.grant();
    if (!background) return;
    const quietIn = this.readsActive > 0 ? Infinity : this.readsQuietSince + this.policy.readsQuietMs - now;
    if (overdueIn <= 0 || quietIn <= 0) {
      this.waiting.background.shift()?.grant();
      return;
    }
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.dispatch(), Math.min(overdueIn, quietIn));
    this.wake.unref();
  }

  private request(message: Outgoing): Promise<PgliteResponse & { ok: true }> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, sentAt: Date.now() });
      this.worker.postMessage({ ...message, id });
    });
  }

  private settle(response: PgliteResponse): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (response.ok) waiting.resolve(response);
    else waiting.reject(deserializeError(response.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}

/**
 * The compiled worker beside this file; when running from TypeScript sources (jest), the one in
 * dist/ (`npm test` builds first), because a worker thread does not go through jest's transform.
 */
function workerEntry(): string {
  const beside = join(__dirname, 'pglite.worker.js');
  if (existsSync(beside)) return beside;
  const built = join(dirname(findMigrationsDir()), 'dist/libs/database/src/pglite.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the PGlite worker is not built (${built}): run \`npm run build\``);
}
