import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { freePort, until } from './support/processes';
import { TEST_ADMIN_KEY } from './support/test-stack';

/**
 * Stopping with a document in flight: SIGTERM logs what it waits for, the process is gone by
 * SHUTDOWN_TIMEOUT_MS (plus start-up slack on a loaded machine) although the document needs far
 * longer, and after a restart the document completes with each chunk stored once (it was left to
 * recovery, not half-written). Runs the built app (`npm test` builds first).
 */
const API_MAIN = join(__dirname, '..', 'dist/apps/api/src/main.js');
const KB = '/api/knowledge';
const PARAGRAPHS = 24;
const LONG_TEXT = Array.from({ length: PARAGRAPHS }, (_, i) => `Paragraph ${i} about fjord number ${i}. ${'The water is deep and cold. '.repeat(12)}`).join('\n\n');

describe('shutdown with a document in flight', () => {
  jest.setTimeout(240_000);
  let fake: FakeOpenAiServer;
  let dataDir: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(API_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    // Each chunk's embedding takes 400 ms: the document needs about 10 s.
    fake = await FakeOpenAiServer.start({ latencyMs: 400, embeddingDimension: 32 });
    dataDir = mkdtempSync(join(tmpdir(), 'fjord-shutdown-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs what it waits for, honours SHUTDOWN_TIMEOUT_MS, and the document completes after a restart', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'pretty',
      SHUTDOWN_TIMEOUT_MS: '1500',
      EMBEDDING_BASE_URL: fake.baseUrl,
      EMBEDDING_MODEL: 'fake-embedding',
      EMBEDDING_BATCH_SIZE: '1',
      EMBEDDING_MAX_RETRIES: '1',
      // The whole document in one batch, so the shutdown meets a write that cannot finish in time.
      INGEST_BATCH_CHUNKS: '128',
    };
    const post = async (path: string, body: unknown) =>
      (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` }, body: JSON.stringify(body) })).json() as Promise<any>;
    const start = () => {
      const started = spawn(process.execPath, [API_MAIN], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      started.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
      return { started, stderr: () => stderr, exited };
    };

    const first = start();
    child = first.started;
    await until('api start', async () => ((await fetch(`${base}/health`)).ok ? true : undefined));
    await post(`${KB}/collection/create`, { name: 'stopping', preprocessing: { chunk_length: 60 } });
    await post(`${KB}/doc/add`, { collection_name: 'stopping', add_type: 'text', doc_id: 'long', content: LONG_TEXT });
    const embeddings = () => fake.requests.filter((r) => r.path.endsWith('/embeddings')).length;
    await until('embedding under way', async () => (embeddings() >= 2 ? true : undefined));

    const signalled = Date.now();
    first.started.kill('SIGTERM');
    const code = await first.exited;
    const tookMs = Date.now() - signalled;
    expect(code).toBe(1);
    expect(first.stderr()).toContain('fjord: stopping on SIGTERM: waiting for 1 document in progress (at most 1.5 s)');
    expect(first.stderr()).toContain('1 document in progress left to recovery on the next start; exiting');
    // Loose: far less than the ~10 s the document still needed.
    expect(tookMs).toBeLessThan(7_000);

    const second = start();
    child = second.started;
    await until('api restart', async () => ((await fetch(`${base}/health`)).ok ? true : undefined));
    const info = await until(
      'the document to complete',
      async () => {
        const data = (await post(`${KB}/doc/info`, { collection_name: 'stopping', doc_id: 'long' })).data;
        return data.status.process_status === 0 ? data : undefined;
      },
      180_000,
    );
    const points = (await post(`${KB}/point/list`, { collection_name: 'stopping', doc_ids: ['long'], limit: 100 })).data;
    expect(points.total_num).toBe(info.point_num);
    expect(points.point_list.map((p: { chunk_id: number }) => p.chunk_id)).toEqual(Array.from({ length: info.point_num }, (_, i) => i));
    second.started.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.stderr()).toMatch(/fjord: stopped in \d+\.\d s/);
  });
});
