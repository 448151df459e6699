import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { VECTOR_INDEX_POLICY } from '@fjord/knowledge/vector-index/vector-index.service';
import { FakeOpenAiServer, RecordedRequest } from './support/fake-openai-server';
import { until } from './support/processes';
import { BACKENDS, TestStack, startTestStack, waitForDocument } from './support/test-stack';

/**
 * Changing a collection's embedding model without downtime: from the local hashing embedder (384
 * dimensions) to upstream models of other dimensions served by a fake OpenAI-compatible server.
 * The fake holds embeddings requests on demand, so the tests look at fjord mid-migration without
 * sleeping: searches answer with the old model until the switch, then with the new one.
 */

const KB = '/api/knowledge';
/** Upstream models (hashing of other dimensions, so search by words still works and dimensions differ). */
const WIDE = 'fake-embed-96';
const NARROW = 'fake-embed-48';
const upstreamVectors = { [WIDE]: new LocalHashEmbedder(96), [NARROW]: new LocalHashEmbedder(48) } as Record<string, LocalHashEmbedder>;

const DOCS = [
  ['fjords', 'Fjords are long narrow inlets with steep sides, carved by glaciers.'],
  ['kayaks', 'Sea kayaks are stable boats for paddling along the coast.'],
  ['salmon', 'Salmon swim upstream to spawn in the rivers where they hatched.'],
  ['ferries', 'Car ferries cross the fjord every hour between the two villages.'],
  ['glaciers', 'Glaciers retreat in warm summers and leave moraines behind.'],
] as const;

function embeddedTexts(requests: RecordedRequest[], model: string): string[] {
  return requests
    .filter((r) => r.path.endsWith('/embeddings') && (r.body as { model: string }).model === model)
    .flatMap((r) => {
      const input = (r.body as { input: string | string[] }).input;
      return Array.isArray(input) ? input : [input];
    });
}

describe.each(BACKENDS)('changing a collection embedding model (%s)', (backend) => {
  jest.setTimeout(180_000);
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let db: Db;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ embeddingFor: (text, model) => (upstreamVectors[model] ?? upstreamVectors[WIDE]).embedText(text) });
    stack = await startTestStack(backend, {
      EMBEDDING_PROVIDER: 'local',
      EMBEDDING_BASE_URL: fake.baseUrl,
      EMBEDDING_MODEL_MAP: JSON.stringify({ 'bge-m3': WIDE, [NARROW]: NARROW }),
      EMBEDDING_MIGRATION_BATCH_SIZE: '2',
      EMBEDDING_MAX_RETRIES: '0',
    });
    db = stack.app.get(DB, { strict: false });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  afterEach(() => fake.reset(fake.options));

  const info = async (name: string) => (await stack.post(`${KB}/collection/info`, { collection_name: name })).body.data;
  const migration = async (name: string) => (await info(name)).embedding_migration;
  const update = (name: string, model: string) => stack.post(`${KB}/collection/update`, { collection_name: name, embedding_model: model });
  const search = async (name: string, query: string, extra: Record<string, unknown> = {}) => {
    const reply = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: name, query, limit: 3, ...extra });
    expect(reply.status).toBe(200);
    return reply.body.data as { embedding_model: string; result_list: Array<{ doc_info: { doc_id: string } }> };
  };
  const waitMigration = (name: string, status: string) =>
    until(`migration of ${name} ${status}`, async () => {
      const m = await migration(name);
      if (process.env.DEBUG_MIGRATION) console.log(name, JSON.stringify(m));
      return m?.status === status ? m : undefined;
    });

  /** The documents, with the collection's name in each text: other collections' embeddings are not cached for it. */
  async function createWithDocs(name: string, shared = false): Promise<void> {
    expect((await stack.post(`${KB}/collection/create`, { name })).status).toBe(200);
    for (const [docId, content] of DOCS) {
      const text = shared ? content : `${content} Filed under ${name}.`;
      expect((await stack.post(`${KB}/doc/add`, { collection_name: name, add_type: 'text', doc_id: docId, content: text })).status).toBe(200);
    }
    for (const [docId] of DOCS) expect((await waitForDocument(stack, { collection_name: name, doc_id: docId })).process_status).toBe(0);
  }

  /** Every point of the collection has exactly one vector of `dimension` in its active column, no point twice. */
  async function expectVectors(name: string, dimension: number): Promise<void> {
    const { rows } = await db.query<{ column: string; points: number; distinct_ids: number; filled: number; right_dims: number; documented: number }>(
      `SELECT c.embedding_column AS column,
              (SELECT count(*)::int FROM points p WHERE p.collection_id = c.id) AS points,
              (SELECT count(DISTINCT p.point_id)::int FROM points p WHERE p.collection_id = c.id) AS distinct_ids,
              (SELECT count(CASE WHEN c.embedding_column = 'embedding' THEN p.embedding ELSE p.embedding_alt END)::int FROM points p WHERE p.collection_id = c.id) AS filled,
              (SELECT count(*)::int FROM points p WHERE p.collection_id = c.id
                  AND vector_dims(CASE WHEN c.embedding_column = 'embedding' THEN p.embedding ELSE p.embedding_alt END) = $2) AS right_dims,
              (SELECT coalesce(sum(d.point_num), 0)::int FROM documents d WHERE d.collection_id = c.id) AS documented
         FROM collections c WHERE c.name = $1`,
      [name, dimension],
    );
    const row = rows[0];
    expect(row.points).toBeGreaterThan(0);
    expect({ distinct: row.distinct_ids, filled: row.filled, dims: row.right_dims, documented: row.documented }).toEqual({
      distinct: row.points,
      filled: row.points,
      dims: row.points,
      documented: row.points,
    });
  }

  it('migrates to an upstream model of another dimension; searches answer throughout, with the old model until the switch', async () => {
    await createWithDocs('moving');
    const before = await search('moving', 'glaciers carved the fjord');
    expect(before.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
    const pointNum = (await info('moving')).point_num;

    fake.holdEmbeddings();
    const started = await update('moving', 'bge-m3');
    expect(started.status).toBe(200);
    expect(started.body.data).toEqual({ embedding_migration: 'started' });
    await until('the first batch to reach the upstream', async () => (fake.heldEmbeddings() > 0 ? true : undefined));

    const running = await info('moving');
    expect(running.embedding_migration).toMatchObject({ source_model: LOCAL_EMBEDDING_MODEL, target_model: WIDE, status: 'running', points_total: pointNum });
    expect(running.pipeline_list[0].index_list[0].index_config).toMatchObject({ embedding_model: LOCAL_EMBEDDING_MODEL, embedding_dimension: 384 });
    const during = await search('moving', 'glaciers carved the fjord');
    expect(during.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
    expect(during.result_list.map((r) => r.doc_info.doc_id)).toEqual(before.result_list.map((r) => r.doc_info.doc_id));

    // One batch through: progress shows, and searches still use the old model.
    fake.releaseEmbeddings(1);
    const partway = await until('progress after one batch', async () => {
      const m = await migration('moving');
      return m.points_done >= 2 && fake.heldEmbeddings() > 0 ? m : undefined;
    });
    expect(partway.status).toBe('running');
    expect((await search('moving', 'salmon rivers')).embedding_model).toBe(LOCAL_EMBEDDING_MODEL);

    // An upload during the migration is embedded with both models.
    expect((await stack.post(`${KB}/doc/add`, { collection_name: 'moving', add_type: 'text', doc_id: 'lighthouse', content: 'The zephyr lighthouse guides boats at night.' })).status).toBe(200);
    fake.releaseAllEmbeddings();
    expect((await waitForDocument(stack, { collection_name: 'moving', doc_id: 'lighthouse' })).process_status).toBe(0);
    const done = await waitMigration('moving', 'done');
    // The switch counts the points stored when it happens: the upload's, when its worker wrote them
    // first (with both models), or not, when it wrote them after the switch (with the new model only).
    expect(done).toMatchObject({ target_model: WIDE, stage: 'finished' });
    expect([pointNum, pointNum + 1]).toContain(done.points_total);
    expect(done.points_done).toBe(done.points_total);
    expect(done.finished_at).toEqual(expect.any(String));

    const after = await info('moving');
    expect(after.point_num).toBe(pointNum + 1);
    expect(after.pipeline_list[0].index_list[0].index_config).toMatchObject({ embedding_model: WIDE, embedding_dimension: 96 });
    const queried = fake.requests.length;
    const found = await search('moving', 'zephyr lighthouse', { dense_weight: 1 });
    expect(found.embedding_model).toBe(WIDE);
    expect(found.result_list[0].doc_info.doc_id).toBe('lighthouse');
    expect(embeddedTexts(fake.requests.slice(queried), WIDE)).toEqual(['zephyr lighthouse']);
    await expectVectors('moving', 96);
  });

  it('cancels a running migration, and migrates again to another model and back to hashing', async () => {
    await createWithDocs('cancelled');
    fake.holdEmbeddings();
    expect((await update('cancelled', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
    await until('the first batch to reach the upstream', async () => (fake.heldEmbeddings() > 0 ? true : undefined));
    const cancel = await update('cancelled', LOCAL_EMBEDDING_MODEL);
    expect(cancel.status).toBe(200);
    expect(cancel.body.data).toEqual({ embedding_migration: 'cancelled' });
    const cancelled = await migration('cancelled');
    expect(cancelled).toMatchObject({ target_model: WIDE, status: 'cancelled', stage: 'finished' });
    expect(cancelled.failed_reason).toMatch(/cancelled/);
    fake.releaseAllEmbeddings();
    expect((await search('cancelled', 'sea kayaks')).embedding_model).toBe(LOCAL_EMBEDDING_MODEL);

    // A new migration may start at once, to another dimension; the cancelled one never switches.
    expect((await update('cancelled', NARROW)).body.data).toEqual({ embedding_migration: 'started' });
    expect(await waitMigration('cancelled', 'done')).toMatchObject({ target_model: NARROW });
    expect((await search('cancelled', 'sea kayaks')).embedding_model).toBe(NARROW);
    await expectVectors('cancelled', 48);

    // And back to hashing: the vectors move to the other column again.
    expect((await update('cancelled', LOCAL_EMBEDDING_MODEL)).body.data).toEqual({ embedding_migration: 'started' });
    expect(await waitMigration('cancelled', 'done')).toMatchObject({ source_model: NARROW, target_model: LOCAL_EMBEDDING_MODEL });
    const back = await search('cancelled', 'sea kayaks');
    expect(back.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
    expect(back.result_list[0].doc_info.doc_id).toBe('kayaks');
    await expectVectors('cancelled', 384);
    expect((await update('cancelled', LOCAL_EMBEDDING_MODEL)).body.data).toEqual({ embedding_migration: 'unchanged' });
  });

  it('a failing upstream fails the migration with a readable reason and leaves the old model serving', async () => {
    await createWithDocs('failing');
    fake.failAlways({ status: 500, message: 'the embedding model is overloaded' });
    expect((await update('failing', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
    const failed = await waitMigration('failing', 'failed');
    expect(failed.failed_reason).toMatch(/re-embedding with fake-embed-96 failed: .*overloaded/);
    fake.failAlways(undefined);
    const served = await search('failing', 'salmon rivers');
    expect(served.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
    expect(served.result_list[0].doc_info.doc_id).toBe('salmon');
    expect((await info('failing')).pipeline_list[0].index_list[0].index_config.embedding_model).toBe(LOCAL_EMBEDDING_MODEL);
    await expectVectors('failing', 384);
  });

  it('an upload whose target-model embedding fails still succeeds, and the migration catches it up', async () => {
    await createWithDocs('catching_up');
    fake.holdEmbeddings();
    expect((await update('catching_up', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
    await until('the first batch to reach the upstream', async () => (fake.heldEmbeddings() > 0 ? true : undefined));
    expect((await stack.post(`${KB}/doc/add`, { collection_name: 'catching_up', add_type: 'text', doc_id: 'late', content: 'Late salmon runs in autumn.' })).status).toBe(200);
    await until("the upload's target embedding to reach the upstream", async () => (fake.heldEmbeddings() > 1 ? true : undefined));
    // Held now: the migration's first batch, then the upload's. The batch goes through; the upload's fails.
    fake.releaseEmbeddings(1);
    await until('the first batch stored', async () => ((await migration('catching_up')).points_done >= 2 ? true : undefined));
    fake.failNext({ status: 500, message: 'overloaded for a moment' });
    fake.releaseEmbeddings(1);
    expect((await waitForDocument(stack, { collection_name: 'catching_up', doc_id: 'late' })).process_status).toBe(0);
    fake.releaseAllEmbeddings();
    expect(await waitMigration('catching_up', 'done')).toMatchObject({ points_done: DOCS.length + 1 });
    const found = await search('catching_up', 'late salmon autumn', { dense_weight: 1 });
    expect(found.embedding_model).toBe(WIDE);
    expect(found.result_list[0].doc_info.doc_id).toBe('late');
    await expectVectors('catching_up', 96);
  });

  it('reuses the embedding cache: the same chunks in another collection migrate without asking the upstream', async () => {
    await createWithDocs('cache_first', true);
    await createWithDocs('cache_second', true);
    expect((await update('cache_first', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
    await waitMigration('cache_first', 'done');
    const asked = embeddedTexts(fake.requests, WIDE).length;
    expect(asked).toBeGreaterThanOrEqual(DOCS.length);
    expect((await update('cache_second', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
    expect(await waitMigration('cache_second', 'done')).toMatchObject({ points_done: DOCS.length });
    expect(embeddedTexts(fake.requests, WIDE)).toHaveLength(asked);
    expect((await search('cache_second', 'ferries cross the fjord')).embedding_model).toBe(WIDE);
    await expectVectors('cache_second', 96);
  });

  it("builds the new model's HNSW index before the switch and drops the old model's", async () => {
    const policy = { minTail: VECTOR_INDEX_POLICY.minTail, blockingMinTail: VECTOR_INDEX_POLICY.blockingMinTail };
    // Five points are enough for an index here, so the indexed path runs on both backends.
    Object.assign(VECTOR_INDEX_POLICY, { minTail: 3, blockingMinTail: 3 });
    try {
      await createWithDocs('indexed');
      expect((await update('indexed', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
      await waitMigration('indexed', 'done');
      const { rows } = await db.query<{ id: number; index_name: string | null; watermark: number; max_id: number }>(
        `SELECT c.id, v.index_name, v.watermark::int AS watermark, (SELECT max(p.id)::int FROM points p WHERE p.collection_id = c.id) AS max_id
           FROM collections c JOIN vector_indexes v ON v.collection_id = c.id WHERE c.name = 'indexed'`,
      );
      const { id, index_name: indexName, watermark, max_id: maxId } = rows[0];
      expect({ indexName, watermark }).toEqual({ indexName: `points_hnsw_c${id}_alt_w${maxId}`, watermark: maxId });
      const indexes = await db.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE $1`, [`points_hnsw_c${id}\\_%`]);
      expect(indexes.rows.map((row) => row.indexname)).toEqual([indexName]);
      expect(indexes.rows[0].indexdef).toMatch(/embedding_alt\)::vector\(96\)/);
      const found = await search('indexed', 'salmon spawn in rivers', { dense_weight: 1 });
      expect(found.embedding_model).toBe(WIDE);
      expect(found.result_list[0].doc_info.doc_id).toBe('salmon');
    } finally {
      Object.assign(VECTOR_INDEX_POLICY, policy);
    }
  });

  it('refuses bad requests in the Viking envelope', async () => {
    await createWithDocs('refusing');
    const unknown = await update('refusing', 'no-such-model');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 1000003, data: null });
    expect(unknown.body.message).toMatch(/no-such-model is not served here; served: .*fjord-local-hash-v1/);
    const empty = await update('refusing', '');
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe(1000003);
    const missing = await update('no_such_collection', 'bge-m3');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(1000005);

    fake.holdEmbeddings();
    expect((await update('refusing', 'bge-m3')).body.data).toEqual({ embedding_migration: 'started' });
    for (const model of ['bge-m3', NARROW]) {
      const again = await update('refusing', model);
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ code: 1000003, data: null });
      expect(again.body.message).toMatch(/already migrating to fake-embed-96 .*cancel it with embedding_model fjord-local-hash-v1/);
    }
    fake.releaseAllEmbeddings();
    await waitMigration('refusing', 'done');
  });
});
