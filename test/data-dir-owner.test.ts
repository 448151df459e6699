import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE_NAME } from '@fjord/database';
import { createTestDatabase, hasPostgres, hasRedis } from './support/test-database';
import { TEST_ADMIN_KEY } from './support/test-stack';
import { freePort, until } from './support/processes';

/**
 * One owner per embedded data directory, with real processes: a second API on the same DATA_DIR
 * refuses to start and names the first; after the first is killed with SIGKILL the lock is taken
 * over and the data is intact; a clean stop removes the lock. Runs the built app (`npm test` builds).
 */
const ROOT = join(__dirname, '..');
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');

interface Started {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(main: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function stop(started: Started, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill(signal);
  return started.exited;
}

async function healthy(port: number): Promise<void> {
  await until('api start', async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined));
}

async function post(port: number, path: string, body: unknown): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  return response.json();
}

describe('one owner per data directory', () => {
  jest.setTimeout(240_000);
  let dataDir: string;
  const running: Started[] = [];
  const env = (port: number) => ({ DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'silent' });

  beforeAll(() => {
    if (!existsSync(API_MAIN) || !existsSync(WORKER_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    dataDir = mkdtempSync(join(tmpdir(), 'fjord-owner-'));
  });
  afterAll(async () => {
    for (const started of running) await stop(started);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a second API refuses, a killed owner is taken over, a clean stop unlocks', async () => {
    const firstPort = await freePort();
    const first = start(API_MAIN, env(firstPort));
    running.push(first);
    await healthy(firstPort);
    expect((await post(firstPort, '/api/knowledge/collection/create', { name: 'kept' })).code).toBe(0);

    const second = start(API_MAIN, env(await freePort()));
    running.push(second);
    const refusedAt = Date.now();
    const code = await second.exited;
    expect(code).toBe(1);
    // Loose: it must refuse before opening the database, not after a long start.
    expect(Date.now() - refusedAt).toBeLessThan(30_000);
    expect(second.stderr()).toContain(`pid ${first.child.pid}, port ${firstPort}`);
    expect(second.stderr().trim().split('\n')).toHaveLength(1);
    // The first keeps serving.
    expect((await fetch(`http://127.0.0.1:${firstPort}/health`)).ok).toBe(true);

    await stop(first, 'SIGKILL');
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(true);
    const thirdPort = await freePort();
    const third = start(API_MAIN, env(thirdPort));
    running.push(third);
    await healthy(thirdPort);
    const info = await post(thirdPort, '/api/knowledge/collection/info', { name: 'kept' });
    expect(info.code).toBe(0);
    expect(info.data.collection_name).toBe('kept');

    expect(await stop(third, 'SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  });

  it('the worker entry without REDIS_URL refuses with one line and opens nothing', async () => {
    const workerDataDir = join(dataDir, 'worker-never-opens');
    const worker = start(WORKER_MAIN, { DATA_DIR: workerDataDir, LOG_LEVEL: 'silent' });
    running.push(worker);
    expect(await worker.exited).toBe(1);
    const lines = worker.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fjord worker: REDIS_URL and DATABASE_URL are not set;/);
    expect(existsSync(workerDataDir)).toBe(false);
  });

  (hasPostgres && hasRedis ? it : it.skip)('the worker keeps a heartbeat file fresh for its health check, and stops cleanly', async () => {
    const fresh = await createTestDatabase();
    const workerDataDir = join(dataDir, 'worker');
    const worker = start(WORKER_MAIN, { DATA_DIR: workerDataDir, DATABASE_URL: fresh.url, REDIS_URL: process.env.REDIS_URL as string, QUEUE_PREFIX: `hb${process.pid}`, LOG_LEVEL: 'silent' });
    running.push(worker);
    try {
      await until('the first heartbeat', async () => (existsSync(join(workerDataDir, 'worker-heartbeat')) ? true : undefined));
      expect(await stop(worker, 'SIGTERM')).toBe(0);
    } finally {
      await stop(worker);
      await fresh.drop();
    }
  });
});
