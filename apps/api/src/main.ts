import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installShutdownDeadline } from '@fjord/common';
import { AppConfig, ConfigError, loadConfig } from '@fjord/config';
import { DataDirLock, DataDirLockedError } from '@fjord/database';
import { INGESTION_QUEUE, IngestionQueue } from '@fjord/jobs';
import { prettyLogs } from '@fjord/observability';
import { createApiApp } from './create-api-app';

/** A line for a person (pretty) or for a log shipper (json), written synchronously. */
function lineWriter(config: AppConfig): (line: string) => void {
  return prettyLogs(config)
    ? (line) => process.stderr.write(`fjord: ${line}\n`)
    : (line) => process.stderr.write(`${JSON.stringify({ level: 30, time: Date.now(), context: 'fjord', msg: line })}\n`);
}

function adminKeyHint(config: AppConfig): string {
  if (config.adminApiKey) return 'the admin key is ADMIN_API_KEY';
  const file = join(config.dataDir, 'admin-key');
  return existsSync(file) ? `the admin key is in ${file}` : `the admin key was generated earlier and ${file} was removed: set ADMIN_API_KEY to choose one`;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = lineWriter(config);
  // Embedded mode: refuse a second owner of DATA_DIR before anything slow starts.
  const lock = config.database.url ? undefined : DataDirLock.acquire(config.dataDir, config.http.port);
  const app = await createApiApp(config);
  const queue = app.get<symbol, IngestionQueue>(INGESTION_QUEUE);
  installShutdownDeadline(config.shutdownTimeoutMs, {
    log,
    inFlight: async () => {
      if (config.redis.url) return ''; // documents belong to the workers
      const { active } = await queue.depth();
      return active === 0 ? '' : `${active} document${active > 1 ? 's' : ''} in progress`;
    },
  });
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = address && typeof address === 'object' ? address.port : config.http.port;
  lock?.setPort(port);
  lock?.release(); // the Db holds it from here until it closes
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
  const mode = config.database.url ? 'PostgreSQL' : `embedded, data in ${config.dataDir}`;
  log(`ready at http://${host}:${port} (API docs at /docs; ${mode}); ${adminKeyHint(config)}`);
}

main().catch((error: unknown) => {
  // A bad setting or a taken data directory stops start-up with a readable message, not a stack trace.
  console.error(error instanceof ConfigError || error instanceof DataDirLockedError ? `fjord: ${error.message}` : error);
  process.exit(1);
});
