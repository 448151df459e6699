import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { freePort, kill, startProcess, until } from './support/processes';
import { hasPostgres, hasRedis } from './support/test-database';
import { TEST_ADMIN_KEY, startTestStack } from './support/test-stack';

/**
 * A migration to another embedding model survives its process being killed (SIGKILL) mid-way:
 * embedded, the API process itself; with services, the worker. The restarted process resumes the
 * same migration from its saved progress and finishes it with every point embedded once.
 * Runs the built app (`npm test` builds first), because only a real process can be killed.
 */

const ROOT = join(__dirname, '..');
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
const KB = '/api/knowledge';
const TARGET = 'fake-embed-96';
const DOC_COUNT = 12;
/** One distinct word per document, so a search finds exactly one. */
const TREES = ['alder', 'birch', 'cedar', 'dogwood', 'elm', 'fir', 'ginkgo', 'hazel', 'juniper', 'larch', 'maple', 'oak'];

async function post(baseUrl: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body: JSON.stringify(body),
  });
  return response.json();
}

describe('a killed process resumes an embedding migration and loses nothing', () => {
  // Each test starts real processes (PGlite's initdb in WASM among them): slow on a loaded machine.
  jest.setTimeout(300_000);
  let fake: FakeOpenAiServer;
  let modelEnv: Record<string, string>;

  beforeAll(async () => {
    if (!existsSync(API_MAIN) || !existsSync(WORKER_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const vectors = new LocalHashEmbedder(96);
    fake = await FakeOpenAiServer.start({ embeddingFor: (text) => vectors.embedText(text) });
    modelEnv = {
      EMBEDDING_PROVIDER: 'local',
      EMBEDDING_BASE_URL: fake.baseUrl,
      EMBEDDING_MODEL_MAP: JSON.stringify({ 'bge-m3': TARGET }),
      EMBEDDING_MIGRATION_BATCH_SIZE: '2',
    };
  });

  afterAll(async () => fake?.close());
  afterEach(() => fake.reset(fake.options));

  /** Creates the collection with its documents, starts the migration, and returns once a batch is stored and the next one is in flight. */
  async function migrateHalfway(baseUrl: string, name: string): Promise<void> {
    await post(baseUrl, `${KB}/collection/create`, { name });
    for (let i = 0; i < DOC_COUNT; i++) {
      await post(baseUrl, `${KB}/doc/add`, { collection_name: name, add_type: 'text', doc_id: `doc-${i}`, content: `Note ${i} of ${name}: the ${TREES[i]} ferry leaves the pier at dawn.` });
    }
    for (let i = 0; i < DOC_COUNT; i++) {
      const status = await until(`doc-${i} processed`, async () => {
        const processStatus = (await post(baseUrl, `${KB}/doc/info`, { collection_name: name, doc_id: `doc-${i}` })).data?.status?.process_status;
        return processStatus === 0 || processStatus === 1 ? processStatus : undefined;
      });
      expect(status).toBe(0);
    }
    fake.holdEmbeddings();
    expect((await post(baseUrl, `${KB}/collection/update`, { collection_name: name, embedding_model: 'bge-m3' })).data).toEqual({ embedding_migration: 'started' });
    await until('the first batch to reach the upstream', async () => (fake.heldEmbeddings() > 0 ? true : undefined));
    fake.releaseEmbeddings(1);
    await until('one batch stored and the next in flight', async () => {
      const m = (await post(baseUrl, `${KB}/collection/info`, { collection_name: name })).data.embedding_migration;
      return m.points_done >= 2 && fake.heldEmbeddings() > 0 ? true : undefined;
    });
  }

  async function finished(baseUrl: string, name: string): Promise<any> {
    return until(
      'the migration to finish',
      async () => {
        const data = (await post(baseUrl, `${KB}/collection/info`, { collection_name: name })).data;
        return data.embedding_migration.status === 'running' ? undefined : data;
      },
      180_000,
    );
  }

  async function expectSwitched(baseUrl: string, name: string, info: any): Promise<void> {
    expect(info.embedding_migration).toMatchObject({ status: 'done', target_model: TARGET, points_done: DOC_COUNT, points_total: DOC_COUNT });
    expect(info.point_num).toBe(DOC_COUNT);
    expect(info.pipeline_list[0].index_list[0].index_config).toMatchObject({ embedding_model: TARGET, embedding_dimension: 96 });
    const points = (await post(baseUrl, `${KB}/point/list`, { collection_name: name, limit: 100 })).data;
    expect(points.total_num).toBe(DOC_COUNT);
    expect(new Set(points.point_list.map((p: { point_id: string }) => p.point_id)).size).toBe(DOC_COUNT);
    const found = (await post(baseUrl, `${KB}/collection/search_knowledge`, { collection_name: name, query: 'juniper ferry', limit: 1, dense_weight: 1 })).data;
    expect(found.embedding_model).toBe(TARGET);
    expect(found.result_list[0].doc_info.doc_id).toBe('doc-8');
  }

  it('embedded: the API process is killed mid-migration and finishes it after restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-migration-kill-'));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { ...modelEnv, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'silent' };
    const ready = () => until('the API to answer', async () => ((await fetch(`${baseUrl}/health`)).ok ? true : undefined));
    let api = startProcess(API_MAIN, env);
    try {
      await ready();
      await migrateHalfway(baseUrl, 'killed');
      await kill(api);
      fake.releaseAllEmbeddings();
      api = startProcess(API_MAIN, env);
      await ready();
      await expectSwitched(baseUrl, 'killed', await finished(baseUrl, 'killed'));
    } finally {
      await kill(api);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a changed EMBEDDING_MODEL migrates the collections that follow the default at start-up, not those given a model', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-migration-default-'));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = { ...modelEnv, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'silent' };
    const ready = () => until('the API to answer', async () => ((await fetch(`${baseUrl}/health`)).ok ? true : undefined));
    const model = async (name: string) => (await post(baseUrl, `${KB}/collection/info`, { collection_name: name })).data.pipeline_list[0].index_list[0].index_config.embedding_model;
    let api = startProcess(API_MAIN, env);
    try {
      await ready();
      for (const name of ['follower', 'pinned']) {
        await post(baseUrl, `${KB}/collection/create`, { name });
        await post(baseUrl, `${KB}/doc/add`, { collection_name: name, add_type: 'text', doc_id: 'ferry', content: `The ${name} ferry leaves at noon.` });
        await until(`the ${name} document`, async () => ((await post(baseUrl, `${KB}/doc/info`, { collection_name: name, doc_id: 'ferry' })).data?.status?.process_status === 0 ? true : undefined));
      }
      // Choosing a model, even the current one, pins the collection to it.
      expect((await post(baseUrl, `${KB}/collection/update`, { collection_name: 'pinned', embedding_model: LOCAL_EMBEDDING_MODEL })).data).toEqual({ embedding_migration: 'unchanged' });
      await kill(api);

      api = startProcess(API_MAIN, { ...env, EMBEDDING_PROVIDER: 'openai', EMBEDDING_MODEL: TARGET });
      await ready();
      const followed = await until('the follower to switch', async () => {
        const data = (await post(baseUrl, `${KB}/collection/info`, { collection_name: 'follower' })).data;
        return data.embedding_migration?.status === 'done' ? data : undefined;
      });
      expect(followed.embedding_migration).toMatchObject({ source_model: LOCAL_EMBEDDING_MODEL, target_model: TARGET, points_done: 1 });
      expect(await model('follower')).toBe(TARGET);
      expect((await post(baseUrl, `${KB}/collection/search_knowledge`, { collection_name: 'follower', query: 'ferry at noon', limit: 1 })).data.embedding_model).toBe(TARGET);
      // The pinned one keeps the hashing embedder, which every server can serve.
      expect((await post(baseUrl, `${KB}/collection/info`, { collection_name: 'pinned' })).data.embedding_migration).toBeUndefined();
      expect(await model('pinned')).toBe(LOCAL_EMBEDDING_MODEL);
      const pinnedSearch = (await post(baseUrl, `${KB}/collection/search_knowledge`, { collection_name: 'pinned', query: 'ferry at noon', limit: 1 })).data;
      expect(pinnedSearch.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
      expect(pinnedSearch.result_list[0].doc_info.doc_id).toBe('ferry');
    } finally {
      await kill(api);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  (hasPostgres && hasRedis ? it : it.skip)('services: the worker is killed mid-migration; searches answer meanwhile; a new worker resumes it', async () => {
    const stack = await startTestStack('services', modelEnv, { inProcessWorker: false });
    const workerEnv = {
      ...modelEnv,
      DATABASE_URL: stack.config.database.url as string,
      REDIS_URL: stack.config.redis.url as string,
      QUEUE_PREFIX: stack.config.redis.queuePrefix,
      INGEST_LOCK_MS: '2000',
      LOG_LEVEL: 'silent',
    };
    let worker = startProcess(WORKER_MAIN, workerEnv);
    try {
      await migrateHalfway(stack.baseUrl, 'killed');
      await kill(worker);
      fake.releaseAllEmbeddings();
      // No worker at all: the migration waits, and searches still answer with the old model.
      const info = (await stack.post(`${KB}/collection/info`, { collection_name: 'killed' })).body.data;
      expect(info.embedding_migration.status).toBe('running');
      const meanwhile = (await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'killed', query: 'juniper ferry', limit: 1 })).body.data;
      expect(meanwhile.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
      expect(meanwhile.result_list[0].doc_info.doc_id).toBe('doc-8');

      worker = startProcess(WORKER_MAIN, workerEnv);
      await expectSwitched(stack.baseUrl, 'killed', await finished(stack.baseUrl, 'killed'));
      const db = stack.app.get<Db>(DB, { strict: false });
      const { rows } = await db.query<{ migrations: number; points: number; filled: number; wide: number }>(
        `SELECT (SELECT count(*)::int FROM embedding_migrations m WHERE m.collection_id = c.id) AS migrations,
                (SELECT count(*)::int FROM points p WHERE p.collection_id = c.id) AS points,
                (SELECT count(p.embedding_alt)::int FROM points p WHERE p.collection_id = c.id) AS filled,
                (SELECT count(*)::int FROM points p WHERE p.collection_id = c.id AND vector_dims(p.embedding_alt) = 96) AS wide
           FROM collections c WHERE c.name = 'killed'`,
      );
      // The same migration resumed (not a second one), every point embedded once with the new model.
      expect(rows[0]).toEqual({ migrations: 1, points: DOC_COUNT, filled: DOC_COUNT, wide: DOC_COUNT });
    } finally {
      await kill(worker);
      await stack.close();
    }
  });
});
