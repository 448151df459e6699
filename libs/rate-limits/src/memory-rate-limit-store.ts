import { RateLimitStore, WindowCount, windowStart } from './rate-limit-store';

/** One process's counters (embedded setup). Windows of past periods are dropped as they end. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { start: number; total: number }>();
  private readonly slots = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  async add(key: string, windowMs: number, amount: number): Promise<WindowCount> {
    const count = this.current(key, windowMs);
    count.total += amount;
    return { total: count.total, resetInMs: count.start + windowMs - this.now() };
  }

  async peek(key: string, windowMs: number): Promise<WindowCount> {
    const count = this.current(key, windowMs);
    return { total: count.total, resetInMs: count.start + windowMs - this.now() };
  }

  async acquire(key: string, limit: number): Promise<boolean> {
    const taken = this.slots.get(key) ?? 0;
    if (taken >= limit) return false;
    this.slots.set(key, taken + 1);
    return true;
  }

  async release(key: string): Promise<void> {
    const taken = (this.slots.get(key) ?? 1) - 1;
    if (taken <= 0) this.slots.delete(key);
    else this.slots.set(key, taken);
  }

  private current(key: string, windowMs: number): { start: number; total: number } {
    const start = windowStart(this.now(), windowMs);
    const id = `${key}:${windowMs}`;
    let count = this.windows.get(id);
    if (!count || count.start !== start) {
      count = { start, total: 0 };
      this.windows.set(id, count);
    }
    return count;
  }
}
