import { Pool, PoolClient, types } from 'pg';
import { ConnectionSettings, Db, QueryResult, Queryable, Row } from './db';

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

export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;

  /**
   * `settings` go into each connection's startup packet (`-c name=value`), so they hold from the
   * first statement on and survive RESET ALL; a placeholder such as hnsw.ef_search is taken over
   * when pgvector loads in that session.
   */
  constructor(
    url: string,
    poolSize: number,
    private readonly settings: ConnectionSettings = {},
  ) {
    const options = Object.entries(settings)
      .map(([name, value]) => `-c ${settingName(name)}=${settingValue(value)}`)
      .join(' ');
    this.pool = new Pool({ connectionString: url, max: poolSize, ...(options ? { options } : {}) });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => undefined);
  }

  connectionSetting(name: string): string | undefined {
    return this.settings[name];
  }

  async query<T extends object = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const result = await this.pool.query(sql, params as unknown[] | undefined);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgClientQueryable(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async session<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(new PgClientQueryable(client));
    } finally {
      // Session settings must not leak to the next borrower of this connection.
      await client.query('RESET ALL').catch(() => undefined);
      client.release();
    }
  }

  async close(): Promise<void> {
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
