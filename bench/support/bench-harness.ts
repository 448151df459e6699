import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@fjord/config';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { FakeOpenAiServer } from '../../test/support/fake-openai-server';
import { createTestDatabase } from '../../test/support/test-database';

/** Shared pieces of the latency benchmarks: statistics, timing, HTTP, and the app under test. */

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summary(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Wall milliseconds (what fn returns) and this process's CPU milliseconds while it ran. */
export async function cpuOf(fn: () => Promise<number>): Promise<[wall: number, cpu: number]> {
  const before = process.cpuUsage();
  const wall = await fn();
  const used = process.cpuUsage(before);
  return [wall, (used.user + used.system) / 1000];
}

/**
 * POST JSON; throws on a non-2xx status or a non-zero Viking `code`. `retries` repeats the call on a
 * network error: only for idempotent calls (a retried session turn would be appended twice).
 */
export async function postJson(url: string, body: unknown, key?: string, retries = 0): Promise<any> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (error) {
    if (retries <= 0) throw error;
    return postJson(url, body, key, retries - 1);
  }
  const json = (await response.json()) as any;
  if (!response.ok || (json.code !== undefined && json.code !== 0)) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export interface BenchApp {
  fake: FakeOpenAiServer;
  app: INestApplication;
  base: string;
  backend: string;
  close(): Promise<void>;
}

/** fjord in-process (Postgres when DATABASE_URL is set, else PGlite) in front of a fake upstream. */
export async function startBenchApp(adminKey: string): Promise<BenchApp> {
  const fake = await FakeOpenAiServer.start({ wordsPerChunk: 4 });
  const database = process.env.DATABASE_URL ? await createTestDatabase() : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    LLM_BASE_URL: fake.baseUrl,
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  return {
    fake,
    app,
    base: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`,
    backend: database ? 'PostgreSQL' : 'PGlite (embedded)',
    async close() {
      await app.close();
      await fake.close();
      // BENCH_KEEP_DB=1 leaves the database for profiling (the Postgres URL or the PGlite DATA_DIR is printed).
      if (process.env.BENCH_KEEP_DB) {
        console.log(`kept database ${database?.url ?? `DATA_DIR=${dataDir}`}`);
        return;
      }
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Milliseconds until the first non-empty fragment arrives (`pattern` on the raw SSE text); the rest
 * of the stream is drained, and must contain `endMarker` when one is given.
 */
export async function timeToFirstFragment(url: string, body: unknown, pattern: RegExp, key?: string, endMarker?: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  const decoder = new TextDecoder();
  let first: number | undefined;
  let text = '';
  for await (const chunk of response.body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (first === undefined && pattern.test(text)) first = performance.now() - started;
  }
  if (first === undefined) throw new Error(`${url}: stream without content`);
  if (endMarker !== undefined && !text.includes(endMarker)) throw new Error(`${url}: stream without ${endMarker}`);
  return first;
}
