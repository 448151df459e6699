import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { REDIS } from '@fjord/jobs';
import { ContextRepository } from './context.repository';

const BATCH = 1_000;
export const CONTEXT_SWEEP_QUEUE = 'context-sweep';

/**
 * Deletes expired contexts every CONTEXT_SWEEP_INTERVAL_MS. With REDIS_URL it is a BullMQ
 * repeatable job (one run per interval across all processes sharing the database); without it, an
 * in-process timer. The sweep is an idempotent DELETE, so overlapping runs are harmless.
 * Expired contexts are already invisible before the sweep (every read checks expires_at).
 */
@Injectable()
export class ContextSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ContextSweeper.name);
  private timer?: NodeJS.Timeout;
  private queue?: Queue;
  private worker?: Worker;
  private workerConnection?: Redis;

  constructor(
    private readonly contexts: ContextRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  /** Deletes every expired context now; returns how many. */
  async sweepOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.contexts.deleteExpired(BATCH);
      total += deleted;
      if (deleted < BATCH) return total;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    const every = this.config.contextCache.sweepIntervalMs;
    if (!this.redis) {
      this.timer = setInterval(() => void this.sweepOnce().catch((error: unknown) => this.logger.warn(`context sweep failed: ${String(error)}`)), every);
      this.timer.unref();
      return;
    }
    // QUEUE_PREFIX separates deployments (and test stacks) sharing one Redis.
    const prefix = this.config.redis.queuePrefix;
    this.queue = new Queue(CONTEXT_SWEEP_QUEUE, { connection: this.redis, prefix });
    await this.queue.upsertJobScheduler('sweep-expired-contexts', { every }, { name: 'sweep', opts: { removeOnComplete: 10, removeOnFail: 50 } });
    // A worker blocks its connection, so it gets its own (BullMQ does not close connections it was given).
    this.workerConnection = this.redis.duplicate();
    this.worker = new Worker(CONTEXT_SWEEP_QUEUE, async () => ({ deleted: await this.sweepOnce() }), { connection: this.workerConnection, prefix, concurrency: 1 });
    this.worker.on('error', (error) => this.logger.warn(`context sweep worker: ${error.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker?.close();
    await this.queue?.close();
    await this.workerConnection?.quit().catch(() => this.workerConnection?.disconnect());
  }
}
