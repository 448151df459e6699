import { MemoryRateLimitStore } from './memory-rate-limit-store';

describe('MemoryRateLimitStore', () => {
  it('counts per key within a fixed window and starts again in the next one', async () => {
    let now = 10_000;
    const store = new MemoryRateLimitStore(() => now);
    expect(await store.add('a', 1000, 1)).toEqual({ total: 1, resetInMs: 1000 });
    now += 400;
    expect(await store.add('a', 1000, 2)).toEqual({ total: 3, resetInMs: 600 });
    expect(await store.add('b', 1000, 1)).toEqual({ total: 1, resetInMs: 600 });
    expect(await store.peek('a', 1000)).toEqual({ total: 3, resetInMs: 600 });
    now += 600;
    expect(await store.add('a', 1000, 1)).toEqual({ total: 1, resetInMs: 1000 });
  });

  it('hands out at most `limit` slots until they are released', async () => {
    const store = new MemoryRateLimitStore();
    expect(await store.acquire('chats', 2)).toBe(true);
    expect(await store.acquire('chats', 2)).toBe(true);
    expect(await store.acquire('chats', 2)).toBe(false);
    await store.release('chats');
    expect(await store.acquire('chats', 2)).toBe(true);
  });
});
