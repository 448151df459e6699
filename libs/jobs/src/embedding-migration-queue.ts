import { Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Jobs that re-embed a collection with another model (one job per migration). Like ingestion jobs
 * they carry only an id: the embedding_migrations row is the truth, and a job lost or cut off
 * resumes from it (start-up recovery enqueues every running migration again).
 */
export const EMBEDDING_MIGRATION_QUEUE_NAME = 'embedding-migration';
export const EMBEDDING_MIGRATION_QUEUE = Symbol('EMBEDDING_MIGRATION_QUEUE');

export interface EmbeddingMigrationJob {
  migrationId: number;
}

export type EmbeddingMigrationHandler = (job: EmbeddingMigrationJob) => Promise<void>;

export interface EmbeddingMigrationQueue {
  /** Idempotent per migration: a migration already queued or running is not started twice. */
  enqueue(job: EmbeddingMigrationJob): Promise<void>;
  close(): Promise<void>;
}

export function embeddingMigrationJobId(job: EmbeddingMigrationJob): string {
  return `migration-${job.migrationId}`;
}

/** Services mode: BullMQ, processed by apps/worker; a killed worker's job is taken over once its lock lapses. */
export class BullmqEmbeddingMigrationQueue implements EmbeddingMigrationQueue {
  readonly queue: Queue;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue(EMBEDDING_MIGRATION_QUEUE_NAME, { connection, prefix });
  }

  async enqueue(job: EmbeddingMigrationJob): Promise<void> {
    // The runner reports its own failures in the migration row; retries are for crashes of the job itself.
    await this.queue.add('migrate', job, { jobId: embeddingMigrationJobId(job), attempts: 3, backoff: { type: 'fixed', delay: 1_000 }, removeOnComplete: true, removeOnFail: true });
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Embedded mode: runs migrations in the API process, one at a time per migration id. */
export class InProcessEmbeddingMigrationQueue implements EmbeddingMigrationQueue {
  private readonly logger = new Logger(InProcessEmbeddingMigrationQueue.name);
  private readonly running = new Map<number, Promise<void>>();
  private readonly waiting: EmbeddingMigrationJob[] = [];
  private handler?: EmbeddingMigrationHandler;
  private closed = false;

  setHandler(handler: EmbeddingMigrationHandler): void {
    this.handler = handler;
    for (const job of this.waiting.splice(0)) void this.enqueue(job);
  }

  async enqueue(job: EmbeddingMigrationJob): Promise<void> {
    if (this.closed || this.running.has(job.migrationId)) return;
    if (!this.handler) {
      this.waiting.push(job);
      return;
    }
    const run = this.handler(job)
      .catch((error: unknown) => this.logger.error({ err: error, job }, 'embedding migration job failed'))
      .finally(() => this.running.delete(job.migrationId));
    this.running.set(job.migrationId, run);
  }

  /** Resolves when no migration job is running (tests, benchmarks). */
  async onIdle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.onIdle();
  }
}
