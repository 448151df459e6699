import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { defer, finalize, from, Observable, switchMap, tap } from 'rxjs';
import type { Principal } from '@fjord/auth';
import { DomainError, ErrorCode } from '@fjord/common';
import { APP_CONFIG, AppConfig, KindRateLimits } from '@fjord/config';
import { RATE_LIMITED_ACTION, RateLimitedAction } from './rate-limit.decorators';
import { RATE_LIMIT_STORE, RateLimitStore } from './rate-limit-store';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/** A store that does not answer within this is skipped: limits never take the API down with them. */
const STORE_TIMEOUT_MS = 250;

function limited(what: string, resetInMs: number): DomainError {
  const retryAfterSeconds = Math.max(1, Math.ceil(resetInMs / SECOND));
  return new DomainError(ErrorCode.RateLimited, `rate limit exceeded: ${what}; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/** Bytes an upload brought: the stored file (multipart) or the declared body length. */
function uploadedBytes(request: Request & { file?: { size?: number } }): number {
  return request.file?.size ?? (Number(request.headers['content-length']) || 0);
}

/**
 * Per-key limits by key kind (RATE_LIMITS), read from the principal the auth guard set: requests
 * per second on every route; concurrent chats on chat routes; uploads per minute and bytes per day
 * on upload routes. Refusals are 429 with Retry-After in the route family's envelope (Viking
 * 1000029, Ark RateLimitExceeded). Counters live in Redis when there is one, so every API process
 * shares them. If the store fails or is slow the request goes through (and it is logged).
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RateLimits');

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = request.principal;
    if (!principal) return next.handle();
    const limits = this.config.rateLimits[principal.kind];
    const action = this.reflector.get<RateLimitedAction | undefined>(RATE_LIMITED_ACTION, context.getHandler());
    return defer(() => from(this.admit(principal.keyId, limits, action, request))).pipe(
      switchMap((slot) => {
        const handled = next.handle();
        const counted = action === 'upload' && limits.uploadBytesPerDay > 0 ? handled.pipe(tap(() => void this.countBytes(principal.keyId, request))) : handled;
        return slot ? counted.pipe(finalize(() => void this.guarded(() => this.store.release(slot)))) : counted;
      }),
    );
  }

  /** Checks every limit that applies; returns the chat slot to give back, if one was taken. */
  private async admit(keyId: string, limits: KindRateLimits, action: RateLimitedAction | undefined, request: Request): Promise<string | undefined> {
    if (limits.requestsPerSecond > 0) {
      const count = await this.guarded(() => this.store.add(`requests:${keyId}`, SECOND, 1));
      if (count && count.total > limits.requestsPerSecond) throw limited(`${limits.requestsPerSecond} requests per second for this key`, count.resetInMs);
    }
    if (action === 'upload' && limits.uploadsPerMinute > 0) {
      const count = await this.guarded(() => this.store.add(`uploads:${keyId}`, MINUTE, 1));
      if (count && count.total > limits.uploadsPerMinute) throw limited(`${limits.uploadsPerMinute} uploads per minute for this key`, count.resetInMs);
    }
    if (action === 'upload' && limits.uploadBytesPerDay > 0) {
      const today = await this.guarded(() => this.store.peek(`upload-bytes:${keyId}`, DAY));
      const declared = Number(request.headers['content-length']) || 0;
      if (today && today.total + declared > limits.uploadBytesPerDay) {
        throw limited(`${limits.uploadBytesPerDay} upload bytes per day for this key (${today.total} used)`, today.resetInMs);
      }
    }
    if (action === 'chat' && limits.concurrentChats > 0) {
      const slot = `chats:${keyId}`;
      const taken = await this.guarded(() => this.store.acquire(slot, limits.concurrentChats));
      if (taken === false) throw limited(`${limits.concurrentChats} concurrent chats for this key`, SECOND);
      return taken ? slot : undefined;
    }
    return undefined;
  }

  private async countBytes(keyId: string, request: Request): Promise<void> {
    await this.guarded(() => this.store.add(`upload-bytes:${keyId}`, DAY, uploadedBytes(request)));
  }

  /** The store's answer, or undefined when it failed or did not answer in time. */
  private async guarded<T>(run: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        run(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.logger.warn(`rate limit store unavailable, request let through: ${String(error)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
