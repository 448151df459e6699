export * from './context.schema';
export * from './context.service';
export * from './context.repository';
export * from './context-sweeper';
export * from './truncation';
export * from './context-cache.module';
