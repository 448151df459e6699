import { Inject, Injectable, Logger } from '@nestjs/common';
import { INGESTION_QUEUE, IngestionQueue } from '@fjord/jobs';
import { DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { DocumentPointsWriter } from '@fjord/knowledge/points/document-points-writer';
import { ProcessStatus } from '@fjord/knowledge/documents/document-status';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DB, Db, isConnectionLost } from '@fjord/database';
import { MetricsService } from '@fjord/observability';
import { FailedCode } from '../failed-code';

const STATE_NAMES: Record<number, string> = {
  [ProcessStatus.Queued]: 'queued',
  [ProcessStatus.Processing]: 'processing',
  [ProcessStatus.Deleting]: 'deleting',
};

/** The advisory lock that elects one recovering process at a time (the migrator's is 727_001). */
const RECOVERY_LOCK_KEY = 727_002;

type RecoveryOutcome = { requeued: number; deleted: number; skipped?: true };

/**
 * The documents table is the truth; the queue is a cache of it. At start (and periodically) every
 * unfinished document is enqueued again (job ids make this idempotent), interrupted deletions are
 * finished, and hidden points nobody will publish (batches of an attempt that crashed, replaced
 * versions not yet deleted) are deleted; an unfinished document's own batches are cleared by its
 * next attempt, which writes them again. On PostgreSQL one process at a time does this: several
 * workers starting together would otherwise each walk every unfinished document and race to finish
 * the same deletions; the others skip that round (their next timer comes soon enough).
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
    @Inject(DB) private readonly db: Db,
  ) {}

  /** Documents whose stage has not moved for INGEST_STUCK_MS fail with a reason instead of hanging unseen. */
  async failStuck(): Promise<number> {
    const stuck = await this.documents.failStuck(this.config.ingestion.stuckMs, FailedCode.Stuck);
    if (stuck) this.logger.warn({ stuck }, 'failed documents that made no progress');
    return stuck;
  }

  /** skipped: another process holds the recovery lock (PostgreSQL only; embedded has one process). */
  async recover(): Promise<RecoveryOutcome> {
    if (this.db.kind !== 'postgres') return this.recoverNow();
    let outcome: RecoveryOutcome | undefined;
    try {
      // A transaction-scoped lock: a process that dies mid-recovery releases it with its connection.
      await this.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ elected: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS elected', [RECOVERY_LOCK_KEY]);
        if (!rows[0].elected) {
          this.logger.debug('recovery skipped: another process is recovering');
          return;
        }
        this.logger.debug('recovery started');
        outcome = await this.recoverNow();
      });
    } catch (error) {
      // The lock's own connection dropped (a failover, a terminated backend): the lock went with it.
      // Whatever recovery did stands; what it did not do, the next round does.
      if (!isConnectionLost(error)) throw error;
      this.logger.warn({ err: error }, 'recovery lock connection lost');
    }
    return outcome ?? { requeued: 0, deleted: 0, skipped: true };
  }

  private async recoverNow(): Promise<{ requeued: number; deleted: number }> {
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
    if (requeued || deleted) this.logger.log({ requeued, deleted }, 'recovery finished');
    else this.logger.debug({ requeued, deleted }, 'recovery finished');
    return { requeued, deleted };
  }

  async refreshQueueDepth(): Promise<void> {
    const counts = await this.documents.countByStatus();
    for (const [status, name] of Object.entries(STATE_NAMES)) this.metrics.queueDepth.set({ state: name }, counts[Number(status)] ?? 0);
  }
}
