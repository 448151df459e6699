import { Inject, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { INGESTION_QUEUE, InProcessIngestionQueue, IngestionQueue } from '@fjord/jobs';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { MetricsService } from '@fjord/observability';
import { OcrModule } from '@fjord/ocr';
import { IngestionPipeline } from './pipeline/ingestion-pipeline.service';
import { IngestionRecoveryService } from './pipeline/ingestion-recovery.service';
import { ParserSandbox } from './sandbox/parser-sandbox';

/**
 * The pipeline and its recovery. In embedded mode (in-process queue) this module also runs the jobs:
 * it gives the queue its handler and recovers unfinished documents at start. With BullMQ, apps/worker
 * does both and the API process only enqueues.
 */
@Module({
  imports: [KnowledgeModule, OcrModule],
  providers: [
    IngestionPipeline,
    IngestionRecoveryService,
    { provide: ParserSandbox, useFactory: (config: AppConfig) => new ParserSandbox(config.parsing), inject: [APP_CONFIG] },
  ],
  exports: [IngestionPipeline, IngestionRecoveryService],
})
export class IngestionModule implements OnApplicationBootstrap, OnModuleDestroy {
  private stuckTimer?: NodeJS.Timeout;

  constructor(
    @Inject(INGESTION_QUEUE) private readonly queue: IngestionQueue,
    private readonly pipeline: IngestionPipeline,
    private readonly recovery: IngestionRecoveryService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.onScrape(() => this.recovery.refreshQueueDepth());
    if (!(this.queue instanceof InProcessIngestionQueue)) return;
    this.queue.setHandler(async (job, attempt) => {
      await this.pipeline.process(job, attempt);
    });
    await this.recovery.recover();
    // The worker runs recovery (stuck documents included) every minute; embedded mode checks here.
    const every = Math.min(60_000, Math.max(1_000, Math.floor(this.config.ingestion.stuckMs / 2)));
    this.stuckTimer = setInterval(() => void this.recovery.failStuck().catch(() => undefined), every);
    this.stuckTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.stuckTimer);
  }
}
