import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { INGESTION_QUEUE_NAME, IngestionJob, IngestionQueue, ingestionJobId } from './ingestion-queue';

/**
 * Services mode: jobs go to BullMQ on Redis and apps/worker processes them. The job id makes
 * enqueueing idempotent per document version; finished jobs are removed so a version can be
 * re-enqueued by start-up recovery if the database says it is still unfinished.
 */
export class BullmqIngestionQueue implements IngestionQueue {
  readonly queue: Queue;

  constructor(
    connection: Redis,
    private readonly options: { maxAttempts: number; backoffMs: number; prefix: string },
  ) {
    this.queue = new Queue(INGESTION_QUEUE_NAME, { connection, prefix: options.prefix });
  }

  async enqueue(job: IngestionJob): Promise<void> {
    await this.queue.add('ingest', job, {
      jobId: ingestionJobId(job),
      attempts: this.options.maxAttempts,
      backoff: { type: 'exponential', delay: this.options.backoffMs, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  async depth(): Promise<{ waiting: number; active: number; delayed: number }> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
