import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { INGESTION_QUEUE, InProcessIngestionQueue, IngestionQueue } from '@fjord/jobs';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { IngestionPipeline } from './pipeline/ingestion-pipeline.service';
import { IngestionRecoveryService } from './pipeline/ingestion-recovery.service';

/** How often unfinished documents are re-checked against the queue and metrics refreshed. */
const RECOVERY_INTERVAL_MS = 60_000;

/**
 * The pipeline and its recovery. In embedded mode (in-process queue) this module also runs the jobs:
 * it gives the queue its handler and recovers unfinished documents at start. With BullMQ, apps/worker
 * does both and the API process only enqueues.
 */
@Module({
  imports: [KnowledgeModule],
  providers: [IngestionPipeline, IngestionRecoveryService],
  exports: [IngestionPipeline, IngestionRecoveryService],
})
export class IngestionModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(INGESTION_QUEUE) private readonly queue: IngestionQueue,
    private readonly pipeline: IngestionPipeline,
    private readonly recovery: IngestionRecoveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!(this.queue instanceof InProcessIngestionQueue)) return;
    this.queue.setHandler(async (job, attempt) => {
      await this.pipeline.process(job, attempt);
    });
    await this.recovery.recover();
    this.timer = setInterval(() => void this.recovery.refreshQueueDepth().catch(() => undefined), RECOVERY_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
