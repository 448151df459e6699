import { Logger } from '@nestjs/common';
import { PermanentError } from '@fjord/common';
import { IngestionHandler, IngestionJob, IngestionQueue, backoffDelay, ingestionJobId } from './ingestion-queue';

/**
 * Embedded mode's runner: the same semantics as the BullMQ queue (idempotent job ids, concurrency,
 * retries with backoff, permanent failures not retried) inside the API process. Durability comes from
 * the documents table: on start, unfinished documents are enqueued again.
 */
export class InProcessIngestionQueue implements IngestionQueue {
  private readonly logger = new Logger(InProcessIngestionQueue.name);
  private readonly pending: Array<{ job: IngestionJob; attempt: number }> = [];
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private closed = false;
  private handler?: IngestionHandler;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: { concurrency: number; maxAttempts: number; backoffMs: number }) {}

  setHandler(handler: IngestionHandler): void {
    this.handler = handler;
    this.pump();
  }

  async enqueue(job: IngestionJob): Promise<void> {
    const id = ingestionJobId(job);
    if (this.closed || this.known.has(id)) return;
    this.known.add(id);
    this.pending.push({ job, attempt: 1 });
    this.pump();
  }

  async depth(): Promise<{ waiting: number; active: number; delayed: number }> {
    return { waiting: this.pending.length, active: this.active, delayed: this.timers.size };
  }

  /** Resolves when nothing is waiting, running or scheduled for retry. */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pending.length = 0;
    while (this.active > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private isIdle(): boolean {
    return this.pending.length === 0 && this.active === 0 && this.timers.size === 0;
  }

  private pump(): void {
    while (!this.closed && this.handler && this.active < this.options.concurrency && this.pending.length > 0) {
      const next = this.pending.shift() as { job: IngestionJob; attempt: number };
      this.active++;
      void this.run(next.job, next.attempt).finally(() => {
        this.active--;
        this.pump();
        if (this.isIdle()) this.idleWaiters.splice(0).forEach((resolve) => resolve());
      });
    }
  }

  private async run(job: IngestionJob, attempt: number): Promise<void> {
    const handler = this.handler as IngestionHandler;
    const isLast = attempt >= this.options.maxAttempts;
    try {
      await handler(job, { number: attempt, isLast });
      this.known.delete(ingestionJobId(job));
    } catch (error) {
      if (error instanceof PermanentError || isLast || this.closed) {
        this.known.delete(ingestionJobId(job));
        return;
      }
      const delay = backoffDelay(this.options.backoffMs, attempt);
      this.logger.warn({ job, attempt, delay, err: error }, 'ingestion attempt failed; retrying');
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.pending.push({ job, attempt: attempt + 1 });
        this.pump();
      }, delay);
      this.timers.add(timer);
    }
  }
}
