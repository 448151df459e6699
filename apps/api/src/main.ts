import 'reflect-metadata';
import { installShutdownDeadline } from '@fjord/common';
import { ConfigError, loadConfig } from '@fjord/config';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  installShutdownDeadline(config.shutdownTimeoutMs);
  await app.listen(config.http.port, config.http.host);
}

main().catch((error: unknown) => {
  // A bad setting stops start-up with a readable message, not a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
