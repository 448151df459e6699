import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { AppConfig, loadConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { createApiApp } from '../apps/api/src/create-api-app';
import { createTestDatabase, hasPostgres, hasRedis } from './support/test-database';

/** Shared by the test/context-*.test.ts suites: a whole fjord over real HTTP on a random port. */

export type ContextBackend = 'pglite' | 'postgres';
/** Embedded always; Postgres (and BullMQ on Redis, when REDIS_URL is set) when DATABASE_URL is set. */
export const CONTEXT_BACKENDS: ContextBackend[] = hasPostgres ? ['pglite', 'postgres'] : ['pglite'];
export const ADMIN_KEY = 'context-test-admin-key-0123456789';

export interface Fjord {
  backend: ContextBackend;
  baseUrl: string;
  app: INestApplication;
  config: AppConfig;
  db: Db;
  post(path: string, body: unknown, options?: { key?: string | null; signal?: AbortSignal }): Promise<{ status: number; body: any; headers: Headers }>;
  /** POST that returns the raw fetch Response (for SSE). */
  raw(path: string, body: unknown, options?: { key?: string | null; signal?: AbortSignal }): Promise<Response>;
  close(): Promise<void>;
}

export async function startFjord(backend: ContextBackend, env: Record<string, string | undefined> = {}): Promise<Fjord> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-context-'));
  const database = backend === 'postgres' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    ADMIN_API_KEY: ADMIN_KEY,
    LLM_RETRY_BASE_DELAY_MS: '20',
    ...(database ? { DATABASE_URL: database.url, REDIS_URL: hasRedis ? process.env.REDIS_URL : undefined } : {}),
    QUEUE_PREFIX: `fjord-ctx-test-${randomBytes(4).toString('hex')}`,
    ...env,
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  const raw: Fjord['raw'] = (path, body, options = {}) => {
    const key = options.key === undefined ? ADMIN_KEY : options.key;
    return fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: options.signal,
    });
  };
  return {
    backend,
    baseUrl,
    app,
    config,
    db: app.get<Db>(DB),
    raw,
    async post(path, body, options) {
      const response = await raw(path, body, options);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* keep text */
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await app.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` kept as the string). */
export function parseSse(text: string): Array<any> {
  return text
    .split('\n\n')
    .map((frame) => frame.trim())
    .filter((frame) => frame.startsWith('data:'))
    .map((frame) => {
      const data = frame.slice(5).trim();
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

/** Expires a context now, the way time passing would (the database clock decides expiry). */
export async function expireContext(db: Db, id: string): Promise<void> {
  await db.query("UPDATE contexts SET expires_at = now() - interval '1 second' WHERE id = $1", [id]);
}
