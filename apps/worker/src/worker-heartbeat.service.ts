import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { REDIS } from '@fjord/jobs';

export const HEARTBEAT_FILE = 'worker-heartbeat';
export const HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * The worker serves no HTTP, so its health check (compose, Kubernetes exec probes) reads a file:
 * DATA_DIR/worker-heartbeat is rewritten every 10 s while the database and Redis both answer. A
 * stale file means the worker is stuck or cut off from what it needs.
 */
@Injectable()
export class WorkerHeartbeatService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHeartbeat');
  private timer?: NodeJS.Timeout;
  private readonly file: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(DB) private readonly db: Db,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {
    this.file = join(config.dataDir, HEARTBEAT_FILE);
  }

  async onApplicationBootstrap(): Promise<void> {
    mkdirSync(join(this.file, '..'), { recursive: true });
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    try {
      await Promise.all([this.db.query('SELECT 1'), this.redis?.ping()]);
      writeFileSync(this.file, `${new Date().toISOString()}\n`);
    } catch (error) {
      this.logger.warn({ err: error }, 'heartbeat skipped: the database or Redis did not answer');
    }
  }
}
