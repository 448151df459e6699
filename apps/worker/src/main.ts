import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { installShutdownDeadline } from '@fjord/common';
import { ConfigError, loadConfig } from '@fjord/config';
import { QuietFrameworkLogger } from '@fjord/observability';
import { WorkerModule } from './worker.module';

/** Thrown before anything is opened: the worker only makes sense beside a queue. */
class WorkerSetupError extends Error {}

async function main(): Promise<void> {
  const config = loadConfig();
  const missing = [config.redis.url ? undefined : 'REDIS_URL', config.database.url ? undefined : 'DATABASE_URL'].filter(Boolean);
  if (missing.length > 0) {
    throw new WorkerSetupError(
      `fjord worker: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set; the worker serves the Redis queue and PostgreSQL of a services setup. Embedded mode needs no worker: \`npm start\` runs the jobs itself.`,
    );
  }
  // Start-up (recovery, resuming migrations) can take a while: a stop asked for meanwhile is held
  // and replayed once the shutdown hooks exist, so it stops the worker cleanly instead of killing it.
  let stopAskedDuringStart: NodeJS.Signals | undefined;
  const holdStop = (signal: NodeJS.Signals): void => {
    stopAskedDuringStart = signal;
  };
  process.on('SIGTERM', holdStop);
  process.on('SIGINT', holdStop);
  const app = await NestFactory.createApplicationContext(WorkerModule.forConfig(config), { bufferLogs: true });
  installShutdownDeadline(config.shutdownTimeoutMs);
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  process.off('SIGTERM', holdStop);
  process.off('SIGINT', holdStop);
  if (stopAskedDuringStart) process.kill(process.pid, stopAskedDuringStart);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `fjord worker: ${error.message}` : error instanceof WorkerSetupError ? error.message : error);
  process.exit(1);
});
