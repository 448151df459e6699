import { join } from 'node:path';
import { AppConfig } from '@fjord/config';
import { Db } from './db';
import { PgDb } from './pg-db';
import { PgliteDb } from './pglite-db';

/** DATABASE_URL selects PostgreSQL; otherwise embedded PGlite under DATA_DIR/pglite. */
export async function createDb(config: Pick<AppConfig, 'database' | 'dataDir'>): Promise<Db> {
  if (config.database.url) return new PgDb(config.database.url, config.database.poolSize);
  return PgliteDb.open(join(config.dataDir, 'pglite'));
}
