import { join } from 'node:path';
import { AppConfig } from '@fjord/config';
import { Db } from './db';
import { PgDb } from './pg-db';
import { PgliteDb } from './pglite-db';

/**
 * DATABASE_URL selects PostgreSQL; otherwise embedded PGlite under DATA_DIR/pglite. Postgres
 * connections start with the configured hnsw.ef_search, so an unfiltered dense query needs no
 * BEGIN / SET LOCAL / COMMIT round trips of its own (three of a search's ~12 statements).
 */
export async function createDb(config: Pick<AppConfig, 'database' | 'dataDir' | 'vectorIndex'>): Promise<Db> {
  if (config.database.url) {
    return new PgDb(config.database.url, config.database.poolSize, { 'hnsw.ef_search': String(config.vectorIndex.efSearch) });
  }
  return PgliteDb.open(join(config.dataDir, 'pglite'));
}
