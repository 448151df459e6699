import { z } from 'zod';

/** A job carries only ids: the documents table is the source of truth, so losing a job loses nothing. */
export const ingestionJobSchema = z.object({
  documentId: z.number().int().positive(),
  version: z.number().int().positive(),
});
export type IngestionJob = z.infer<typeof ingestionJobSchema>;

export const INGESTION_QUEUE_NAME = 'ingestion';
export const INGESTION_QUEUE = Symbol('INGESTION_QUEUE');

/** What the runner does with a job; throws to retry, or a PermanentError to fail without retrying. */
export type IngestionHandler = (job: IngestionJob, attempt: { number: number; isLast: boolean }) => Promise<void>;

export interface IngestionQueue {
  /** Idempotent per (documentId, version): enqueueing a version twice runs it once. */
  enqueue(job: IngestionJob): Promise<void>;
  /** Counts of jobs by state, for metrics. */
  depth(): Promise<{ waiting: number; active: number; delayed: number }>;
  close(): Promise<void>;
}

export function ingestionJobId(job: IngestionJob): string {
  return `doc-${job.documentId}-v${job.version}`;
}

/** Exponential backoff with jitter: 1x, 2x, 4x ... the base, capped at 5 minutes. */
export function backoffDelay(baseMs: number, attemptsMade: number): number {
  const exponential = Math.min(baseMs * 2 ** Math.max(0, attemptsMade - 1), 300_000);
  return Math.round(exponential * (0.75 + Math.random() * 0.5));
}
