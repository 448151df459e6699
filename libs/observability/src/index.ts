export * from './metrics.service';
export * from './logger';
export * from './observability.module';
export * from './quiet-framework-logger';
