/**
 * Counters the rate limits keep: fixed windows (requests per second, uploads per minute, bytes
 * per day) and in-flight slots (concurrent chats). Redis shares them across API processes; the
 * in-memory store serves the embedded setup, where there is one process.
 */
export interface WindowCount {
  /** The window's total after this hit. */
  total: number;
  /** Milliseconds until the window resets. */
  resetInMs: number;
}

export interface RateLimitStore {
  /** Adds `amount` to the counter of `key`'s current window of `windowMs` and returns the total. */
  add(key: string, windowMs: number, amount: number): Promise<WindowCount>;
  /** The current window's total without adding to it. */
  peek(key: string, windowMs: number): Promise<WindowCount>;
  /** Takes one in-flight slot of `key` if fewer than `limit` are taken; true when taken. */
  acquire(key: string, limit: number): Promise<boolean>;
  release(key: string): Promise<void>;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export function windowStart(now: number, windowMs: number): number {
  return Math.floor(now / windowMs) * windowMs;
}
