/**
 * The one database seam: PostgreSQL through a `pg` Pool in the services setup, embedded PGlite
 * (Postgres compiled to WASM, with pgvector) otherwise. Both speak the same SQL, so repositories
 * are written once; the migrations in migrations/ run unchanged on both.
 */
export type Row = Record<string, unknown>;

export interface QueryResult<T extends object = Row> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements (simple-query protocol, no parameters): migrations. */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs fn inside BEGIN/COMMIT on one connection; rolls back if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs fn on one pinned connection without a transaction (session settings, CREATE INDEX CONCURRENTLY). */
  session<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * The value every connection starts with for a setting the Db was opened with (undefined when it
   * was not): a query that needs exactly that value can skip its own SET LOCAL and transaction.
   */
  connectionSetting(name: string): string | undefined;
  /**
   * Embedded PGlite on its thread: when the oldest statement still running was sent (epoch ms), or
   * undefined when the thread is idle or gone. A busy thread is alive; asking it `SELECT 1` would
   * only wait behind the work (a health check must not).
   */
  busySince?(): number | undefined;
  /**
   * Where pure reads that may be a little stale go (searches): a healthy read replica within its
   * lag bound when DATABASE_READ_URLS names any, else this Db. Never for a read that must see a
   * write just made (a document's status after its upload, a context's turn), nor for any write.
   */
  reader(): ReadDb;
  /** The read replicas' states; undefined when there are none. */
  replicaStatus?(): ReplicaStatus[] | undefined;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * fn does nothing but its statements, so it may run again: when the connection is lost before
   * COMMIT was sent (the server then rolled everything back), the whole transaction is run again on
   * a fresh connection. Never when the loss came during COMMIT, which may have been applied.
   */
  rerunIfRolledBack?: boolean;
  /**
   * Bulk work nobody waits for (ingestion batches, purges of replaced points): on embedded PGlite,
   * whose one connection runs everything in turn, statements waiting for the turn go before it, so
   * a search is not queued behind a run of batches. Ignored on PostgreSQL, where a pool serves both.
   */
  background?: boolean;
}

/** The part of a Db that reads need; `transaction` callbacks given to it must only read. */
export type ReadDb = Pick<Db, 'query' | 'transaction' | 'connectionSetting'>;

export interface ReplicaStatus {
  /** host:port/database. */
  name: string;
  /** ok: serving reads; lagging: behind by more than the bound; down: not answering or not a standby. */
  status: 'ok' | 'lagging' | 'down';
  lagMs?: number;
  error?: string;
}

/** Settings every connection starts with (GUC name -> value), e.g. hnsw.ef_search. */
export type ConnectionSettings = Readonly<Record<string, string>>;

/** Injection token for the Db. */
export const DB = Symbol('DB');
