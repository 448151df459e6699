import { DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule, loadConfig } from '@fjord/config';
import { DatabaseModule } from '@fjord/database';
import { IngestionModule } from '@fjord/ingestion/ingestion.module';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { IngestionRecoveryService } from '@fjord/ingestion/pipeline/ingestion-recovery.service';
import { JobsModule } from '@fjord/jobs';
import { ObservabilityModule, loggerParams } from '@fjord/observability';
import { APP_CONFIG } from '@fjord/config';
import { IngestionProcessor } from './ingestion.processor';
import { EmbeddingMigrationProcessor } from './embedding-migration.processor';
import { WorkerHeartbeatService } from './worker-heartbeat.service';

/** apps/worker: processes the BullMQ ingestion and embedding-migration queues and recovers unfinished work. No HTTP. */
@Module({})
export class WorkerModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly recovery: IngestionRecoveryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  static forConfig(config: AppConfig = loadConfig()): DynamicModule {
    return {
      module: WorkerModule,
      imports: [ConfigModule.forConfig(config), LoggerModule.forRoot(loggerParams(config)), DatabaseModule, ObservabilityModule, JobsModule, KnowledgeModule, IngestionModule],
      providers: [IngestionProcessor, EmbeddingMigrationProcessor, WorkerHeartbeatService],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.recover();
    // Documents whose enqueue failed (Redis briefly down) or whose jobs were lost are found again.
    this.timer = setInterval(() => void this.recovery.recover().catch(() => undefined), Math.max(60_000, this.config.ingestion.lockMs * 2));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
