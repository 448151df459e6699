import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { Redis } from 'ioredis';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { REDIS } from '@fjord/jobs';
import { MemoryRateLimitStore } from './memory-rate-limit-store';
import { RateLimitInterceptor } from './rate-limit.interceptor';
import { RATE_LIMIT_STORE } from './rate-limit-store';
import { RedisRateLimitStore } from './redis-rate-limit-store';

/** Rate limits for the HTTP app: Redis-backed with REDIS_URL, in memory otherwise. */
@Global()
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORE,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis | null) => (redis ? new RedisRateLimitStore(redis, config.redis.queuePrefix) : new MemoryRateLimitStore()),
    },
    { provide: APP_INTERCEPTOR, useClass: RateLimitInterceptor },
  ],
  exports: [RATE_LIMIT_STORE],
})
export class RateLimitsModule {}
