import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { EMBEDDING_MIGRATION_QUEUE_NAME, REDIS } from '@fjord/jobs';
import { EmbeddingMigrationRunner } from '@fjord/knowledge/embedding-migration/embedding-migration.runner';

/**
 * Runs embedding-model migrations from BullMQ, one at a time per worker. The runner saves every
 * step in the database, so when a worker is killed its job stalls, its lock (INGEST_LOCK_MS)
 * lapses, and another worker (or this one restarted) resumes it where it stopped.
 */
@Injectable()
export class EmbeddingMigrationProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(EmbeddingMigrationProcessor.name);
  private worker?: Worker;
  private connection?: Redis;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly runner: EmbeddingMigrationRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis) throw new Error('the worker needs REDIS_URL; without it the API process runs jobs itself');
    this.connection = this.redis.duplicate();
    this.worker = new Worker(EMBEDDING_MIGRATION_QUEUE_NAME, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.redis.queuePrefix,
      concurrency: 1,
      lockDuration: this.config.ingestion.lockMs,
      stalledInterval: Math.max(1_000, Math.floor(this.config.ingestion.lockMs / 2)),
      maxStalledCount: 10,
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'embedding migration worker error'));
    await this.runner.recover();
    // A migration whose job was lost (a worker stopped gracefully mid-way, Redis flushed) is found again.
    this.timer = setInterval(() => void this.runner.recover().catch(() => undefined), Math.max(60_000, this.config.ingestion.lockMs * 2));
    this.timer.unref();
  }

  async process(job: Job): Promise<void> {
    const migrationId = Number((job.data as { migrationId?: unknown }).migrationId);
    if (!Number.isSafeInteger(migrationId) || migrationId <= 0) throw new Error(`bad embedding migration job ${JSON.stringify(job.data)}`);
    await this.runner.run(migrationId);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}
