import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { BullmqIngestionQueue } from './bullmq-ingestion-queue';
import { InProcessIngestionQueue } from './in-process-ingestion-queue';
import { INGESTION_QUEUE, IngestionQueue } from './ingestion-queue';
import { REDIS, RedisModule } from './redis.module';
import { BullmqEmbeddingMigrationQueue, EMBEDDING_MIGRATION_QUEUE, EmbeddingMigrationQueue, InProcessEmbeddingMigrationQueue } from './embedding-migration-queue';

/** BullMQ when REDIS_URL is set, else the in-process runners. */
@Global()
@Module({
  imports: [RedisModule],
  providers: [
    {
      provide: INGESTION_QUEUE,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis | null): IngestionQueue => {
        const { concurrency, maxAttempts, backoffMs } = config.ingestion;
        return redis
          ? new BullmqIngestionQueue(redis, { maxAttempts, backoffMs, prefix: config.redis.queuePrefix })
          : new InProcessIngestionQueue({ concurrency, maxAttempts, backoffMs });
      },
    },
    {
      provide: EMBEDDING_MIGRATION_QUEUE,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis | null): EmbeddingMigrationQueue =>
        redis ? new BullmqEmbeddingMigrationQueue(redis, config.redis.queuePrefix) : new InProcessEmbeddingMigrationQueue(),
    },
  ],
  exports: [INGESTION_QUEUE, EMBEDDING_MIGRATION_QUEUE],
})
export class JobsModule implements OnApplicationShutdown {
  constructor(
    @Inject(INGESTION_QUEUE) private readonly queue: IngestionQueue,
    @Inject(EMBEDDING_MIGRATION_QUEUE) private readonly migrations: EmbeddingMigrationQueue,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
    await this.migrations.close();
  }
}
