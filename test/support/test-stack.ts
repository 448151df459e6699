import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, loadConfig } from '@fjord/config';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createTestDatabase, hasPostgres, hasRedis } from './test-database';

export type Backend = 'embedded' | 'services';

/** Embedded always; services (Postgres + BullMQ worker) when CI provides DATABASE_URL and REDIS_URL. */
export const BACKENDS: Backend[] = hasPostgres && hasRedis ? ['embedded', 'services'] : ['embedded'];

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export interface TestStack {
  backend: Backend;
  baseUrl: string;
  config: AppConfig;
  app: INestApplication;
  worker?: INestApplicationContext;
  /** POST JSON with the admin key (or another key); returns status and parsed body. */
  post(path: string, body: unknown, key?: string | null): Promise<{ status: number; body: any; headers: Headers }>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A whole fjord over real HTTP on a random port. `services` gets a fresh Postgres database, its own
 * BullMQ queue prefix and a worker in this process; `embedded` gets PGlite in a temp dir.
 */
export async function startTestStack(
  backend: Backend,
  /** Extra variables; a function gets the services backend's fresh database URL (e.g. to name a replica of it). */
  env: Record<string, string> | ((databaseUrl: string | undefined) => Record<string, string>) = {},
  options: { inProcessWorker?: boolean } = {},
): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-test-'));
  const database = backend === 'services' ? await createTestDatabase() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    PORT: '0',
    HOST: '127.0.0.1',
    INGEST_BACKOFF_MS: '50',
    ...(backend === 'services'
      ? { DATABASE_URL: database?.url, REDIS_URL: process.env.REDIS_URL, QUEUE_PREFIX: `fjord-test-${randomBytes(4).toString('hex')}`, INGEST_LOCK_MS: '2000' }
      : {}),
    ...(typeof env === 'function' ? env(database?.url) : env),
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;

  const stack: TestStack = {
    backend,
    baseUrl,
    config,
    app,
    async post(path, body, key = TEST_ADMIN_KEY) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep text */
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async startWorker() {
      if (backend !== 'services' || stack.worker) return;
      stack.worker = await NestFactory.createApplicationContext(WorkerModule.forConfig(config), { logger: false });
      await stack.worker.init();
    },
    async stopWorker() {
      await stack.worker?.close();
      stack.worker = undefined;
    },
    async close() {
      await stack.stopWorker();
      await app.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  if (options.inProcessWorker !== false) await stack.startWorker();
  return stack;
}

/** Polls doc/info until the document reaches a final status (0 done or 1 failed). */
export async function waitForDocument(
  stack: TestStack,
  ref: Record<string, unknown>,
  timeoutMs = 30_000,
): Promise<{ process_status: number; [k: string]: unknown; info: any }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await stack.post('/api/knowledge/doc/info', ref);
    const status = body?.data?.status?.process_status;
    if (status === 0 || status === 1) return { ...body.data.status, info: body.data };
    if (Date.now() > deadline) throw new Error(`document ${JSON.stringify(ref)} still at status ${status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `doc/upload` (multipart) with the admin key: the given form fields and, when given, one file. */
export async function uploadDocument(stack: TestStack, fields: Record<string, string>, file?: { name: string; bytes: Buffer | string }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([file.bytes]), file.name);
  const response = await fetch(`${stack.baseUrl}/api/knowledge/doc/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.config.adminApiKey}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as any };
}
