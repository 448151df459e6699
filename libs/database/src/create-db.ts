import { join } from 'node:path';
import { AppConfig } from '@fjord/config';
import { DataDirLock } from './data-dir-lock';
import { Db } from './db';
import { PgDb } from './pg-db';
import { ReadReplicas } from './read-replicas';
import { PgliteThreadDb } from './pglite-thread-db';

/** pg_stat_activity's application_name of fjord's connections to the primary and to replicas. */
export const PRIMARY_APPLICATION_NAME = 'fjord';
export const REPLICA_APPLICATION_NAME = 'fjord-read';
const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/** host:port/database of a URL: names a replica without its credentials. */
function replicaName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
}

/**
 * DATABASE_URL selects PostgreSQL; otherwise embedded PGlite under DATA_DIR/pglite, on its own
 * thread and only under the data directory's lock (one owner per directory). Postgres connections start with the
 * configured hnsw.ef_search, so an unfiltered dense query needs no BEGIN / SET LOCAL / COMMIT
 * round trips of its own (three of a search's ~12 statements). DATABASE_READ_URLS adds streaming
 * replicas that the primary's reader() hands pure reads to.
 */
export async function createDb(config: Pick<AppConfig, 'database' | 'dataDir' | 'vectorIndex'> & { http?: { port: number } }): Promise<Db> {
  const { database } = config;
  if (database.url) {
    const settings = { 'hnsw.ef_search': String(config.vectorIndex.efSearch) };
    const primary = new PgDb(database.url, database.poolSize, settings, { applicationName: PRIMARY_APPLICATION_NAME });
    if (database.readUrls.length > 0) {
      const replicas = database.readUrls.map((url) => {
        // A replica that stops answering must not hold a read for long: the primary answers instead.
        const replica = new PgDb(url, database.poolSize, settings, { applicationName: REPLICA_APPLICATION_NAME, connectTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS });
        return { name: replicaName(url), db: { ...replica.ownReads, close: () => replica.close() } };
      });
      primary.routeReadsTo(new ReadReplicas(primary.ownReads, replicas, { maxLagMs: database.readMaxLagMs, checkIntervalMs: database.readCheckIntervalMs }));
    }
    return primary;
  }
  const lock = DataDirLock.acquire(config.dataDir, config.http?.port);
  try {
    return await PgliteThreadDb.open(join(config.dataDir, 'pglite'), lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}
