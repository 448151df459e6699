import 'reflect-metadata';
import { installShutdownDeadline } from '@fjord/common';
import { ConfigError, loadConfig } from '@fjord/config';
import { DataDirLock, DataDirLockedError } from '@fjord/database';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  // Embedded mode: refuse a second owner of DATA_DIR before anything slow starts.
  const lock = config.database.url ? undefined : DataDirLock.acquire(config.dataDir, config.http.port);
  const app = await createApiApp(config);
  installShutdownDeadline(config.shutdownTimeoutMs);
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  if (lock && address && typeof address === 'object') lock.setPort(address.port);
  lock?.release(); // the Db holds it from here until it closes
}

main().catch((error: unknown) => {
  // A bad setting or a taken data directory stops start-up with a readable message, not a stack trace.
  console.error(error instanceof ConfigError || error instanceof DataDirLockedError ? `fjord: ${error.message}` : error);
  process.exit(1);
});
