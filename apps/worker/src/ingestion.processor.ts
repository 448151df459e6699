import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { PermanentError } from '@fjord/common';
import { IngestionPipeline } from '@fjord/ingestion/pipeline/ingestion-pipeline.service';
import { INGESTION_QUEUE_NAME, REDIS, ingestionJobSchema } from '@fjord/jobs';

/**
 * The BullMQ worker: parse the payload, call the pipeline, let BullMQ retry. Permanent failures
 * become UnrecoverableError so BullMQ does not retry them. A killed worker's job is "stalled" once
 * its lock (INGEST_LOCK_MS) lapses and another worker takes it over.
 */
@Injectable()
export class IngestionProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IngestionProcessor.name);
  private worker?: Worker;
  /** BullMQ never closes a connection it was given, so this one is ours to quit. */
  private connection?: Redis;

  constructor(
    private readonly pipeline: IngestionPipeline,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.redis) throw new Error('the worker needs REDIS_URL; without it the API process runs jobs itself');
    this.connection = this.redis.duplicate();
    this.worker = new Worker(INGESTION_QUEUE_NAME, (job) => this.process(job), {
      connection: this.connection,
      prefix: this.config.redis.queuePrefix,
      concurrency: this.config.ingestion.concurrency,
      lockDuration: this.config.ingestion.lockMs,
      stalledInterval: Math.max(1_000, Math.floor(this.config.ingestion.lockMs / 2)),
      maxStalledCount: 3,
    });
    this.worker.on('failed', (job, error) => this.logger.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: error.message }, 'ingestion job failed'));
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'worker error'));
  }

  async process(job: Job): Promise<string> {
    const payload = ingestionJobSchema.parse(job.data);
    const attempt = job.attemptsMade + 1;
    try {
      return await this.pipeline.process(payload, { number: attempt, isLast: attempt >= (job.opts.attempts ?? 1) });
    } catch (error) {
      if (error instanceof PermanentError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // Waits for running jobs to finish (graceful shutdown); anything cut off is recovered later.
    await this.worker?.close();
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}
