export * from './rate-limit-store';
export * from './memory-rate-limit-store';
export * from './redis-rate-limit-store';
export * from './rate-limit.decorators';
export * from './rate-limit.interceptor';
export * from './rate-limits.module';
