import { join } from 'node:path';
import { AppConfig } from '@fjord/config';
import { DataDirLock } from './data-dir-lock';
import { Db } from './db';
import { PgDb } from './pg-db';
import { PgliteThreadDb } from './pglite-thread-db';

/**
 * DATABASE_URL selects PostgreSQL; otherwise embedded PGlite under DATA_DIR/pglite, on its own
 * thread and only under the data directory's lock (one owner per directory). Postgres connections start with the
 * configured hnsw.ef_search, so an unfiltered dense query needs no BEGIN / SET LOCAL / COMMIT
 * round trips of its own (three of a search's ~12 statements).
 */
export async function createDb(config: Pick<AppConfig, 'database' | 'dataDir' | 'vectorIndex'> & { http?: { port: number } }): Promise<Db> {
  if (config.database.url) {
    return new PgDb(config.database.url, config.database.poolSize, { 'hnsw.ef_search': String(config.vectorIndex.efSearch) });
  }
  const lock = DataDirLock.acquire(config.dataDir, config.http?.port);
  try {
    return await PgliteThreadDb.open(join(config.dataDir, 'pglite'), lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}
