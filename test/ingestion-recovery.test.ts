import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { freePort, kill, startProcess, until } from './support/processes';
import { hasPostgres, hasRedis } from './support/test-database';
import { TEST_ADMIN_KEY, TestStack, startTestStack, waitForDocument } from './support/test-stack';

/**
 * "Nothing lost": a process is killed with SIGKILL in the middle of a document (embeddings are slow
 * on purpose), restarted, and the document must complete with each chunk stored exactly once.
 * Runs the built app (`npm test` builds first), because only a real process can be killed.
 */
const ROOT = join(__dirname, '..');
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
const KB = '/api/knowledge';
const PARAGRAPHS = 24;
const LONG_TEXT = Array.from({ length: PARAGRAPHS }, (_, i) => `Paragraph ${i} about fjord number ${i}. ${'The water is deep and cold. '.repeat(12)}`).join('\n\n');

async function post(baseUrl: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  return response.json();
}

async function assertStoredOnce(baseUrl: string, collection: string, docId: string): Promise<void> {
  const info = (await post(baseUrl, `${KB}/doc/info`, { collection_name: collection, doc_id: docId })).data;
  expect(info.status.process_status).toBe(0);
  const points = (await post(baseUrl, `${KB}/point/list`, { collection_name: collection, doc_ids: [docId], limit: 100 })).data;
  expect(points.total_num).toBe(info.point_num);
  const chunkIds = points.point_list.map((p: { chunk_id: number }) => p.chunk_id);
  expect(chunkIds).toEqual(Array.from({ length: info.point_num }, (_, i) => i));
  expect(info.point_num).toBeGreaterThanOrEqual(PARAGRAPHS / 2);
}

describe('a killed process loses no document', () => {
  jest.setTimeout(300_000);

  let fake: FakeOpenAiServer;
  let embeddingEnv: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(API_MAIN) || !existsSync(WORKER_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    fake = await FakeOpenAiServer.start({ latencyMs: 120, embeddingDimension: 64 });
    embeddingEnv = {
      EMBEDDING_BASE_URL: fake.baseUrl,
      EMBEDDING_MODEL: 'fake-embedding',
      EMBEDDING_BATCH_SIZE: '1',
      EMBEDDING_MAX_RETRIES: '1',
    };
  });
  afterAll(async () => {
    await fake?.close();
  });

  const embeddingRequests = () => fake.requests.filter((r) => r.path.endsWith('/embeddings')).length;

  it('embedded: the API process is killed mid-document and finishes it after restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-kill-'));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { ...embeddingEnv, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'silent' };
    let api = startProcess(API_MAIN, env);
    try {
      await until('api start', async () => ((await fetch(`${baseUrl}/health`)).ok ? true : undefined));
      await post(baseUrl, `${KB}/collection/create`, { name: 'killed', preprocessing: { chunk_length: 60 } });
      await post(baseUrl, `${KB}/doc/add`, { collection_name: 'killed', add_type: 'text', doc_id: 'long', content: LONG_TEXT });
      const before = embeddingRequests();
      await until('embedding under way', async () => (embeddingRequests() >= before + 4 ? true : undefined));
      const mid = (await post(baseUrl, `${KB}/doc/info`, { collection_name: 'killed', doc_id: 'long' })).data;
      expect(mid.status.process_status).toBe(6);
      await kill(api);

      api = startProcess(API_MAIN, env);
      await until('api restart', async () => ((await fetch(`${baseUrl}/health`)).ok ? true : undefined));
      await until('document done', async () => {
        const info = (await post(baseUrl, `${KB}/doc/info`, { collection_name: 'killed', doc_id: 'long' })).data;
        return info.status.process_status === 0 ? info : undefined;
      }, 180_000);
      await assertStoredOnce(baseUrl, 'killed', 'long');
    } finally {
      await kill(api);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  (hasPostgres && hasRedis ? it : it.skip)('services: the worker is killed mid-document; another worker takes the job over', async () => {
    const stack: TestStack = await startTestStack('services', embeddingEnv, { inProcessWorker: false });
    const workerEnv = {
      ...embeddingEnv,
      DATABASE_URL: stack.config.database.url as string,
      REDIS_URL: stack.config.redis.url as string,
      QUEUE_PREFIX: stack.config.redis.queuePrefix,
      INGEST_LOCK_MS: '2000',
      LOG_LEVEL: 'silent',
    };
    let worker = startProcess(WORKER_MAIN, workerEnv);
    try {
      await stack.post(`${KB}/collection/create`, { name: 'killed', preprocessing: { chunk_length: 60 } });
      const before = embeddingRequests();
      await stack.post(`${KB}/doc/add`, { collection_name: 'killed', add_type: 'text', doc_id: 'long', content: LONG_TEXT });
      await until('embedding under way', async () => (embeddingRequests() >= before + 4 ? true : undefined));
      await kill(worker);
      worker = startProcess(WORKER_MAIN, workerEnv);
      const done = await waitForDocument(stack, { collection_name: 'killed', doc_id: 'long' }, 180_000);
      expect(done.process_status).toBe(0);
      await assertStoredOnce(stack.baseUrl, 'killed', 'long');
    } finally {
      await kill(worker);
      await stack.close();
    }
  });
});
