export * from './metrics.service';
export * from './logger';
export * from './observability.module';
