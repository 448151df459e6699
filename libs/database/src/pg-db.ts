import { Pool, PoolClient, types } from 'pg';
import { ConnectionSettings, Db, QueryResult, Queryable, ReadDb, ReplicaStatus, Row, TransactionOptions } from './db';

// bigint columns (bigserial ids, counts) come back as JS numbers: our ids stay far below 2^53.
types.setTypeParser(types.builtins.INT8, (v) => Number.parseInt(v, 10));

class PgClientQueryable implements Queryable {
  constructor(private readonly client: PoolClient) {}
  async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const result = await this.client.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }
  async exec(sql: string): Promise<void> {
    await this.client.query(sql);
  }
}

/** Tries of a statement or a transaction's BEGIN when its connection turns out to be lost. */
const RECONNECT_ATTEMPTS = 3;

/**
 * SQLSTATEs of a connection the server ended (admin_shutdown is pg_terminate_backend and a fast
 * shutdown; crash_shutdown; connection_exception and its failures), and the driver's own errors
 * for a socket that closed under it.
 */
const CONNECTION_LOST_CODES = new Set(['57P01', '57P02', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE']);
const CONNECTION_LOST_MESSAGE = /^Connection terminated|^Client has encountered a connection error|^Client was closed/;

export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  return (typeof code === 'string' && CONNECTION_LOST_CODES.has(code)) || CONNECTION_LOST_MESSAGE.test(error.message);
}

/**
 * A client out of the pool. While it is out, the pool listens to it no more, so its connection
 * ending (a terminated backend) would be an unhandled 'error' that kills the process: this listens
 * instead, and a lost client is destroyed on release rather than handed to the next borrower.
 */
class CheckedOutClient {
  private lostWith?: Error;

  private constructor(readonly client: PoolClient) {
    client.on('error', this.onError);
  }

  static async take(pool: Pool): Promise<CheckedOutClient> {
    return new CheckedOutClient(await pool.connect());
  }

  get lost(): boolean {
    return this.lostWith !== undefined;
  }

  noteError(error: unknown): void {
    if (isConnectionLost(error)) this.lostWith ??= error as Error;
  }

  release(): void {
    this.client.off('error', this.onError);
    this.client.release(this.lostWith);
  }

  private readonly onError = (error: Error): void => {
    this.lostWith ??= error;
  };
}

/** The read replicas a primary hands pure reads to (see read-replicas.ts). */
export interface ReadRouting extends ReadDb {
  start(): void;
  status(): ReplicaStatus[];
  close(): Promise<void>;
}

export interface PgDbOptions {
  /** Shown in pg_stat_activity: tells the primary's connections from the replicas'. */
  applicationName?: string;
  /** How long to wait for a new connection before failing (default: as long as it takes). */
  connectTimeoutMs?: number;
}

export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private reads?: ReadRouting;

  /**
   * `settings` go into each connection's startup packet (`-c name=value`), so they hold from the
   * first statement on and survive RESET ALL; a placeholder such as hnsw.ef_search is taken over
   * when pgvector loads in that session.
   */
  constructor(
    url: string,
    poolSize: number,
    private readonly settings: ConnectionSettings = {},
    { applicationName, connectTimeoutMs }: PgDbOptions = {},
  ) {
    const options = Object.entries(settings)
      .map(([name, value]) => `-c ${settingName(name)}=${settingValue(value)}`)
      .join(' ');
    this.pool = new Pool({
      connectionString: url,
      max: poolSize,
      ...(options ? { options } : {}),
      ...(applicationName ? { application_name: applicationName } : {}),
      ...(connectTimeoutMs ? { connectionTimeoutMillis: connectTimeoutMs } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
    // Nor may any other: between the pool's listener and a borrower's there are moments with none
    // (a client handed to a waiting connect() while the parser still holds the server's FATAL for
    // it). Queries on a lost client fail, and the retries below take a fresh one.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  connectionSetting(name: string): string | undefined {
    return this.settings[name];
  }

  /** Hands pure reads (reader()) to these replicas from now on, and starts checking them. */
  routeReadsTo(reads: ReadRouting): void {
    this.reads = reads;
    reads.start();
  }

  reader(): ReadDb {
    return this.reads ?? this.ownReads;
  }

  /**
   * Pure reads on this database itself: statements as `query`, and transactions that only read,
   * which are run again whole on a fresh connection when theirs is lost at any point (the server
   * rolled them back, and they changed nothing), not only at BEGIN as a writing transaction is.
   */
  readonly ownReads: ReadDb = {
    query: (sql, params) => this.query(sql, params),
    transaction: (fn) => this.transaction(fn, { rerunIfRolledBack: true }),
    connectionSetting: (name) => this.connectionSetting(name),
  };

  replicaStatus(): ReplicaStatus[] | undefined {
    return this.reads?.status();
  }

  /**
   * A single statement is sent again, once, on a fresh connection when its connection was lost
   * (a terminated backend, a failover, a pooler restart): the server aborts a statement whose
   * backend dies, so the retry cannot apply it twice.
   */
  async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const result = await this.retryingLostConnection(() => this.pool.query(sql, params as unknown[] | undefined));
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.retryingLostConnection(() => this.pool.query(sql));
  }

  /**
   * A connection found dead at BEGIN (killed while it sat in the pool) is replaced and the
   * transaction starts again; once `fn` has begun, a lost connection fails this transaction only,
   * unless the caller says fn may run again (rerunIfRolledBack) and COMMIT was not sent yet.
   */
  async transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const checkedOut = await this.retryingLostConnection(() => CheckedOutClient.take(this.pool));
      let began = false;
      let committing = false;
      try {
        await checkedOut.client.query('BEGIN');
        began = true;
        const result = await fn(new PgClientQueryable(checkedOut.client));
        committing = true;
        await checkedOut.client.query('COMMIT');
        return result;
      } catch (error) {
        checkedOut.noteError(error);
        if (began && !checkedOut.lost) await checkedOut.client.query('ROLLBACK').catch(() => undefined);
        // A backend that dies aborts its open transaction: before COMMIT nothing of it was applied.
        const rolledBack = checkedOut.lost && (!began || (options.rerunIfRolledBack === true && !committing));
        if (rolledBack && attempt < RECONNECT_ATTEMPTS) continue;
        throw error;
      } finally {
        checkedOut.release();
      }
    }
  }

  async session<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const checkedOut = await this.retryingLostConnection(() => CheckedOutClient.take(this.pool));
    try {
      return await fn(new PgClientQueryable(checkedOut.client));
    } catch (error) {
      checkedOut.noteError(error);
      throw error;
    } finally {
      // Session settings must not leak to the next borrower of this connection.
      if (!checkedOut.lost) await checkedOut.client.query('RESET ALL').catch((error: unknown) => checkedOut.noteError(error));
      checkedOut.release();
    }
  }

  private async retryingLostConnection<R>(run: () => Promise<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (!isConnectionLost(error) || attempt >= RECONNECT_ATTEMPTS) throw error;
      }
    }
  }

  async close(): Promise<void> {
    await this.reads?.close();
    await this.pool.end();
  }
}

function settingName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new Error(`not a setting name: ${name}`);
  return name;
}

/** Startup options are split on spaces and take backslash escapes; our values need neither. */
function settingValue(value: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw new Error(`unsupported setting value: ${value}`);
  return value;
}
