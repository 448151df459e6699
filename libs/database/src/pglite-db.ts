import { mkdirSync } from 'node:fs';
import { PGlite, Transaction, types } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { Db, QueryResult, Queryable, ReadDb, Row } from './db';

// Match PgDb: int8 as number, so repositories see the same row shapes on both databases.
// bytea through Buffer's native hex codec: PGlite's own maps every byte through a JS string, which
// held the database thread for about 2 s per 10 MB uploaded and 0.5 s per 8 MB slice read back.
const parsers = {
  [types.INT8]: (v: string) => Number.parseInt(v, 10),
  [types.BYTEA]: (v: string) => Buffer.from(v.slice(2), 'hex'),
};
const serializers = {
  [types.BYTEA]: (v: unknown) => {
    if (!(v instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
    return `\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
  },
};
const options = { parsers, serializers };

class PgliteTxQueryable implements Queryable {
  constructor(private readonly tx: Transaction) {}
  async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const result = await this.tx.query<T>(sql, params as unknown[] | undefined, options);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }
  async exec(sql: string): Promise<void> {
    await this.tx.exec(sql);
  }
}

/**
 * Embedded Postgres in DATA_DIR (or in memory when dataDir is undefined). PGlite is a single
 * connection; it queues queries and holds them while a transaction runs, so callers need no locking.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;

  private constructor(private readonly pg: PGlite) {}

  static async open(dataDir: string | undefined): Promise<PgliteDb> {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    const pg = await PGlite.create(dataDir, { extensions: { vector } });
    return new PgliteDb(pg);
  }

  async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const result = await this.pg.query<T>(sql, params as unknown[] | undefined, options);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.pg.transaction((tx) => fn(new PgliteTxQueryable(tx)));
  }

  /** Embedded: one database, no replicas. */
  reader(): ReadDb {
    return this;
  }

  /** PGlite has no startup options and no network round trips to save: queries set what they need. */
  connectionSetting(_name: string): string | undefined {
    return undefined;
  }

  async session<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this);
    } finally {
      await this.pg.exec('RESET ALL');
    }
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}
