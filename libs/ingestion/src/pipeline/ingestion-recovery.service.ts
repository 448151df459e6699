import { Inject, Injectable, Logger } from '@nestjs/common';
import { INGESTION_QUEUE, IngestionQueue } from '@fjord/jobs';
import { DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { DocumentPointsWriter } from '@fjord/knowledge/points/document-points-writer';
import { ProcessStatus } from '@fjord/knowledge/documents/document-status';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { MetricsService } from '@fjord/observability';
import { FailedCode } from '../failed-code';

const STATE_NAMES: Record<number, string> = {
  [ProcessStatus.Queued]: 'queued',
  [ProcessStatus.Processing]: 'processing',
  [ProcessStatus.Deleting]: 'deleting',
};

/**
 * The documents table is the truth; the queue is a cache of it. At start (and periodically) every
 * unfinished document is enqueued again (job ids make this idempotent), interrupted deletions are
 * finished, and hidden points nobody will publish (batches of an attempt that crashed, replaced
 * versions not yet deleted) are deleted; an unfinished document's own batches are cleared by its
 * next attempt, which writes them again.
 */
@Injectable()
export class IngestionRecoveryService {
  private readonly logger = new Logger(IngestionRecoveryService.name);

  constructor(
    private readonly documents: DocumentRepository,
    private readonly writer: DocumentPointsWriter,
    @Inject(INGESTION_QUEUE) private readonly queue: IngestionQueue,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Documents whose stage has not moved for INGEST_STUCK_MS fail with a reason instead of hanging unseen. */
  async failStuck(): Promise<number> {
    const stuck = await this.documents.failStuck(this.config.ingestion.stuckMs, FailedCode.Stuck);
    if (stuck) this.logger.warn({ stuck }, 'failed documents that made no progress');
    return stuck;
  }

  async recover(): Promise<{ requeued: number; deleted: number }> {
    await this.failStuck();
    let requeued = 0;
    let deleted = 0;
    for (const doc of await this.documents.unfinished()) {
      if (doc.status === ProcessStatus.Deleting) {
        await this.documents.delete(doc.id);
        deleted++;
      } else {
        await this.queue.enqueue({ documentId: doc.id, version: doc.version });
        requeued++;
      }
    }
    await this.writer.sweep();
    if (requeued || deleted) this.logger.log({ requeued, deleted }, 'recovered unfinished documents');
    return { requeued, deleted };
  }

  async refreshQueueDepth(): Promise<void> {
    const counts = await this.documents.countByStatus();
    for (const [status, name] of Object.entries(STATE_NAMES)) this.metrics.queueDepth.set({ state: name }, counts[Number(status)] ?? 0);
  }
}
