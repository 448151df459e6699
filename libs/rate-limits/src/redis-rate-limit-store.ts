import type { Redis } from 'ioredis';
import { RateLimitStore, WindowCount, windowStart } from './rate-limit-store';

/** INCRBY on the window's own key, which expires with the window: one round trip per hit. */
const ADD = `
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return total`;

/** A slot counter; its expiry only frees slots a killed process never gave back. */
const ACQUIRE = `
local taken = tonumber(redis.call('GET', KEYS[1]) or '0')
if taken >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

const RELEASE = `
local taken = redis.call('DECR', KEYS[1])
if taken <= 0 then redis.call('DEL', KEYS[1]) end
return taken`;

/** In-flight slots older than this are presumed lost with their process. */
const SLOT_TTL_MS = 10 * 60_000;

/** Counters shared by every API process on one Redis, under the deployment's key prefix. */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  async add(key: string, windowMs: number, amount: number): Promise<WindowCount> {
    const start = windowStart(this.now(), windowMs);
    const total = Number(await this.redis.eval(ADD, 1, this.windowKey(key, windowMs, start), amount, windowMs));
    return { total, resetInMs: start + windowMs - this.now() };
  }

  async peek(key: string, windowMs: number): Promise<WindowCount> {
    const start = windowStart(this.now(), windowMs);
    const total = Number((await this.redis.get(this.windowKey(key, windowMs, start))) ?? 0);
    return { total, resetInMs: start + windowMs - this.now() };
  }

  async acquire(key: string, limit: number): Promise<boolean> {
    return Number(await this.redis.eval(ACQUIRE, 1, `${this.prefix}:rate:slots:${key}`, limit, SLOT_TTL_MS)) === 1;
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.prefix}:rate:slots:${key}`);
  }

  private windowKey(key: string, windowMs: number, start: number): string {
    return `${this.prefix}:rate:${key}:${windowMs}:${start}`;
  }
}
