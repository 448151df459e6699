import { DatabaseError } from 'pg';
import { Db, QueryResult, Queryable, ReadDb, ReplicaStatus, Row } from './db';
import { isConnectionLost } from './pg-db';

export interface ReadReplicaOptions {
  /** A replica whose replay is further behind the primary than this is skipped. */
  maxLagMs: number;
  /** How often each replica's state and lag are checked (never per query). */
  checkIntervalMs: number;
}

/** A streaming replica, as the router sees it. */
interface Replica {
  /** host:port/database, for /health and logs (never the password). */
  readonly name: string;
  readonly db: ReadDb & Pick<Db, 'close'>;
  status: ReplicaStatus['status'];
  lagMs?: number;
  error?: string;
}

/** A sample of the primary's WAL write position. */
interface WalSample {
  at: number;
  lsn: bigint;
}

/**
 * Routes pure reads to streaming replicas and everything else stays with the primary. Each replica
 * is checked every `checkIntervalMs`: one that does not answer, is no longer a standby (promoted)
 * or replays more than `maxLagMs` behind is skipped until a later check finds it healthy again.
 * Until its first check a replica is not used. A read that fails on a replica because the replica
 * went away (or a recovery conflict cancelled it) is answered by the primary, so a replica's
 * failure never fails a request.
 *
 * Lag is measured in WAL, not by `pg_last_xact_replay_timestamp()` (which grows while an idle
 * primary commits nothing): each check samples the primary's WAL insert position; a replica whose
 * replay position is short of a sample taken at time t has not applied something the primary wrote
 * before t, so it is at least now - t behind (to within one check interval). The insert position,
 * not `pg_current_wal_lsn()` (the write position): a transaction committed with synchronous_commit
 * off (ingestion's flip) is visible on the primary at once, but its commit record reaches the
 * kernel, and so the replica, only when the WAL writer next runs (up to 3 x wal_writer_delay, 0.6 s
 * by default); sampled by write position, a replica missing it counted as caught up meanwhile.
 */
export class ReadReplicas implements ReadDb {
  private readonly replicas: Replica[];
  private samples: WalSample[] = [];
  private next = 0;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  /** primary: the primary's own reads (see PgDb.ownReads), which answer when no replica can. */
  constructor(
    private readonly primary: ReadDb,
    replicas: Array<{ name: string; db: Replica['db'] }>,
    private readonly options: ReadReplicaOptions,
  ) {
    this.replicas = replicas.map(({ name, db }) => ({ name, db, status: 'down', error: 'not checked yet' }));
  }

  /** Checks now and then every interval; the timer never keeps the process alive. */
  start(): void {
    if (this.timer) return;
    void this.check();
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs);
    this.timer.unref();
  }

  status(): ReplicaStatus[] {
    return this.replicas.map(({ name, status, lagMs, error }) => ({ name, status, ...(lagMs !== undefined ? { lagMs } : {}), ...(error ? { error } : {}) }));
  }

  connectionSetting(name: string): string | undefined {
    return this.primary.connectionSetting(name);
  }

  async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.routed((db) => db.query<T>(sql, params));
  }

  /** fn must only read: when the replica fails part-way, fn runs again on the primary. */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.routed((db) => db.transaction(fn));
  }

  /** One round of checks; concurrent callers share it. */
  check(): Promise<void> {
    this.checking ??= this.checkAll().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.checking?.catch(() => undefined);
    await Promise.all(this.replicas.map((replica) => replica.db.close().catch(() => undefined)));
  }

  private async routed<R>(run: (db: ReadDb) => Promise<R>): Promise<R> {
    const replica = this.pick();
    if (!replica) return run(this.primary);
    try {
      return await run(replica.db);
    } catch (error) {
      if (!replicaUnavailable(error)) throw error;
      // A recovery conflict cancels one statement; the replica itself is fine.
      if (!isRecoveryConflict(error)) this.markDown(replica, error);
      return run(this.primary);
    }
  }

  /** The healthy replicas in turn; undefined when none is. */
  private pick(): Replica | undefined {
    for (let tried = 0; tried < this.replicas.length; tried++) {
      const replica = this.replicas[this.next++ % this.replicas.length];
      if (replica.status === 'ok') return replica;
    }
    return undefined;
  }

  private markDown(replica: Replica, error: unknown): void {
    replica.status = 'down';
    replica.lagMs = undefined;
    replica.error = (error as Error)?.message ?? String(error);
  }

  private async checkAll(): Promise<void> {
    const timeoutMs = Math.max(this.options.checkIntervalMs, 1_000);
    let primaryLsn: bigint;
    try {
      const { rows } = await withTimeout(this.primary.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn'), timeoutMs);
      primaryLsn = parseLsn(rows[0].lsn);
    } catch {
      // Without the primary's position no lag can be measured; the states stand until it answers.
      return;
    }
    const now = Date.now();
    this.samples.push({ at: now, lsn: primaryLsn });
    // Samples older than the bound (plus slack) are not needed: being behind the oldest kept one
    // already means lagging past the bound.
    const keepFrom = now - this.options.maxLagMs - 2 * this.options.checkIntervalMs;
    while (this.samples.length > 1 && this.samples[0].at < keepFrom) this.samples.shift();

    await Promise.all(
      this.replicas.map(async (replica) => {
        try {
          const { rows } = await withTimeout(
            replica.db.query<{ standby: boolean; replayed: string | null }>('SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed'),
            timeoutMs,
          );
          const { standby, replayed } = rows[0];
          if (!standby || replayed === null) {
            this.markDown(replica, new Error('not a streaming standby (promoted, or not a replica)'));
            return;
          }
          const lagMs = this.lagOf(parseLsn(replayed), now);
          replica.lagMs = lagMs;
          replica.status = lagMs > this.options.maxLagMs ? 'lagging' : 'ok';
          replica.error = undefined;
        } catch (error) {
          this.markDown(replica, error);
        }
      }),
    );
  }

  /** now - the time of the oldest primary sample the replica has not replayed up to; 0 when caught up. */
  private lagOf(replayed: bigint, now: number): number {
    const behind = this.samples.find((sample) => sample.lsn > replayed);
    return behind ? now - behind.at : 0;
  }
}

/** `16/B374D848` -> a number that orders like the WAL position. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text);
  if (!match) throw new Error(`not an LSN: ${text}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/**
 * Errors after which the primary should answer instead: anything that is not the server's own SQL
 * error (refused or timed-out connections, sockets closed), and the server's errors of a connection
 * or a server going away (08, 57: shutdown, terminated, cannot connect now), of resources (53: too
 * many connections) and recovery conflicts. A SQL error in the statement itself would fail on the
 * primary too, and is the caller's.
 */
export function replicaUnavailable(error: unknown): boolean {
  if (isConnectionLost(error)) return true;
  if (!(error instanceof DatabaseError)) return true;
  const code = error.code ?? '';
  return /^(08|53|57)/.test(code) || isRecoveryConflict(error);
}

/** "canceling statement due to conflict with recovery": the standby replayed something this read needed. */
function isRecoveryConflict(error: unknown): boolean {
  return error instanceof DatabaseError && error.code === '40001' && /conflict with recovery/i.test(error.message);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}
