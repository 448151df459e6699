export * from './redis.module';
export * from './ingestion-queue';
export * from './in-process-ingestion-queue';
export * from './bullmq-ingestion-queue';
export * from './jobs.module';
export * from './embedding-migration-queue';
