import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DB, Db } from '@fjord/database';
import { DocumentPointsWriter, StoredBatch } from '@fjord/knowledge/points/document-points-writer';
import type { HiddenPoints } from '@fjord/knowledge/points/point-visibility';
import { SearchRepository } from '@fjord/search/retrieval/search.repository';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { freePort, kill, until } from './support/processes';
import { BACKENDS, TEST_ADMIN_KEY, TestStack, startTestStack, waitForDocument } from './support/test-stack';

/**
 * A new version of a document is written in batches that stay invisible until one short flip:
 * a search issued while the batches are being written is answered and sees the old version only,
 * never part of the new one; after the flip it sees all of the new one and nothing of the old;
 * BM25's N and total length count exactly the visible points throughout; a crash between batches
 * leaves nothing visible, and recovery finishes the document.
 */
const KB = '/api/knowledge';
const ROOT = join(__dirname, '..');
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');

/** One chunk per paragraph at chunk_length 50 (two never fit together); the marker word tells versions apart. */
function versionText(marker: string, paragraphs: number): string {
  return Array.from(
    { length: paragraphs },
    (_, i) => `Section ${i} mentions ${marker} ${i} near the lake pump, and ${marker} again beside the valve number ${i} that the technicians check every week.`,
  ).join('\n\n');
}

interface Gate {
  reached: Promise<StoredBatch>;
  release: () => void;
}

/** Holds the pipeline after the `atBatch`-th committed batch of the document until released. */
function holdAfterBatch(writer: DocumentPointsWriter, atBatch: number): Gate {
  let reach!: (batch: StoredBatch) => void;
  let release!: () => void;
  const reached = new Promise<StoredBatch>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  writer.afterBatch = async (batch) => {
    if (batch.batch !== atBatch) return;
    reach(batch);
    await released;
  };
  return { reached, release };
}

describe.each(BACKENDS)('staged document versions (%s)', (backend) => {
  jest.setTimeout(120_000);
  let stack: TestStack;
  let writer: DocumentPointsWriter;
  let db: Db;
  const NAME = 'staged';

  beforeAll(async () => {
    stack = await startTestStack(backend, { INGEST_BATCH_CHUNKS: '3' });
    const pipelineHost = stack.worker ?? stack.app;
    writer = pipelineHost.get(DocumentPointsWriter);
    db = stack.app.get<Db>(DB);
    expect((await stack.post(`${KB}/collection/create`, { name: NAME, preprocessing: { chunk_length: 50, merge_small_chunks: false } })).status).toBe(200);
  });
  afterAll(async () => {
    if (writer) writer.afterBatch = undefined;
    await stack?.close();
  });

  async function addText(docId: string, content: string): Promise<void> {
    const res = await stack.post(`${KB}/doc/add`, { collection_name: NAME, add_type: 'text', doc_id: docId, doc_name: `${docId}.txt`, content });
    expect(res.status).toBe(200);
  }

  async function search(query: string): Promise<string[]> {
    const res = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: NAME, query, limit: 50 });
    expect(res.status).toBe(200);
    return res.body.data.result_list.map((item: { content: string }) => item.content);
  }

  async function listed(): Promise<{ total: number; contents: string[]; chunkIds: number[] }> {
    const res = await stack.post(`${KB}/point/list`, { collection_name: NAME, limit: 100 });
    expect(res.status).toBe(200);
    const list = res.body.data.point_list as Array<{ content: string; chunk_id: number }>;
    return { total: res.body.data.total_num, contents: list.map((p) => p.content), chunkIds: list.map((p) => p.chunk_id).sort((a, b) => a - b) };
  }

  /** lexical_stats against the points every read sees: they must agree exactly. */
  async function expectStatsMatchVisiblePoints(): Promise<number> {
    const { rows } = await db.query<{ doc_count: string; total_length: string; visible: string; visible_length: string }>(
      `SELECT s.doc_count, s.total_length,
              (SELECT count(*) FROM points p WHERE p.collection_id = s.collection_id
                  AND NOT EXISTS (SELECT 1 FROM hidden_point_versions h WHERE h.document_id = p.document_id AND h.version = p.version)) AS visible,
              (SELECT coalesce(sum(p.lexical_length), 0) FROM points p WHERE p.collection_id = s.collection_id
                  AND NOT EXISTS (SELECT 1 FROM hidden_point_versions h WHERE h.document_id = p.document_id AND h.version = p.version)) AS visible_length
         FROM lexical_stats s JOIN collections c ON c.id = s.collection_id WHERE c.name = $1`,
      [NAME],
    );
    expect(Number(rows[0].doc_count)).toBe(Number(rows[0].visible));
    expect(Number(rows[0].total_length)).toBe(Number(rows[0].visible_length));
    return Number(rows[0].doc_count);
  }

  async function hiddenPoints(): Promise<number> {
    const { rows } = await db.query<{ n: string }>(
      'SELECT count(*) AS n FROM points p JOIN hidden_point_versions h ON h.document_id = p.document_id AND h.version = p.version',
    );
    return Number(rows[0].n);
  }

  it('answers searches while a replacement is written, seeing none of it until the flip and all of it after', async () => {
    await addText('manual', versionText('alpha', 4));
    expect((await waitForDocument(stack, { collection_name: NAME, doc_id: 'manual' })).process_status).toBe(0);
    const old = await listed();
    expect(old.total).toBe(4);
    expect(await expectStatsMatchVisiblePoints()).toBe(4);

    const gate = holdAfterBatch(writer, 2);
    try {
      await addText('manual', versionText('beta', 10));
      const held = await gate.reached;
      expect(held.pointsWritten).toBe(6);
      // Six points of the new version are in the table, hidden.
      expect(await hiddenPoints()).toBe(6);

      // Mid-ingest: every read sees exactly the old version.
      const betaHits = await search('beta valve');
      expect(betaHits.some((content) => content.includes('beta'))).toBe(false);
      const alphaHits = await search('alpha valve');
      expect(alphaHits.filter((content) => content.includes('alpha'))).toHaveLength(4);
      const mid = await listed();
      expect(mid.total).toBe(4);
      expect(mid.contents.every((content) => content.includes('alpha'))).toBe(true);
      expect(await expectStatsMatchVisiblePoints()).toBe(4);
      const info = (await stack.post(`${KB}/doc/info`, { collection_name: NAME, doc_id: 'manual' })).body.data;
      expect(info.status.process_status).toBe(6);
      expect(info.point_num).toBe(4);
    } finally {
      gate.release();
      writer.afterBatch = undefined;
    }

    const done = await waitForDocument(stack, { collection_name: NAME, doc_id: 'manual' });
    expect(done.process_status).toBe(0);
    expect(done.info.point_num).toBe(10);
    const betaHits = await search('beta valve');
    expect(betaHits.filter((content) => content.includes('beta'))).toHaveLength(10);
    expect(betaHits.some((content) => content.includes('alpha'))).toBe(false);
    expect((await search('alpha')).some((content) => content.includes('alpha'))).toBe(false);
    const after = await listed();
    expect(after.total).toBe(10);
    expect(after.chunkIds).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(after.contents.every((content) => content.includes('beta'))).toBe(true);
    expect(await expectStatsMatchVisiblePoints()).toBe(10);
    // The replaced version is deleted after the flip, in batches; nothing hidden stays behind.
    for (let i = 0; i < 100 && (await hiddenPoints()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await hiddenPoints()).toBe(0);
    expect((await db.query('SELECT 1 FROM hidden_point_versions')).rows).toHaveLength(0);
    expect(await expectStatsMatchVisiblePoints()).toBe(10);
  });

  it('a search whose hidden points change between its statements keeps no document frequencies counted against the old set', async () => {
    // Lexical only, so what BM25 finds is what is returned.
    const lexicalHits = async (query: string): Promise<string[]> => {
      const res = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: NAME, query, limit: 50, dense_weight: 0 });
      expect(res.status).toBe(200);
      return res.body.data.result_list.map((item: { content: string }) => item.content);
    };
    const repository = stack.app.get(SearchRepository) as unknown as { hiddenPointIds(collectionId: number): Promise<HiddenPoints> };
    const readHiddenIds = repository.hiddenPointIds.bind(repository);
    const gate = holdAfterBatch(writer, 1);
    const spy = jest.spyOn(repository, 'hiddenPointIds');
    try {
      await addText('racer', versionText('quokka', 3));
      await gate.reached;
      // One batch holds the whole version. The search reads the hidden points (the staged version's)
      // first; the version is published before its next statement, which reads the statistics and
      // the document frequencies.
      spy.mockImplementationOnce(async (collectionId) => {
        const hidden = await readHiddenIds(collectionId);
        expect(hidden.ids).toHaveLength(3);
        gate.release();
        expect((await waitForDocument(stack, { collection_name: NAME, doc_id: 'racer' })).process_status).toBe(0);
        return hidden;
      });
      await lexicalHits('quokka');
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      gate.release();
      writer.afterBatch = undefined;
    }
    // Nothing was written since the flip: every search now finds all three of its points.
    expect((await lexicalHits('quokka')).filter((content) => content.includes('quokka'))).toHaveLength(3);
    await stack.post(`${KB}/doc/delete`, { collection_name: NAME, doc_id: 'racer' });
  });

  it('deleting a document while its new version is written takes the hidden batches with it and keeps N exact', async () => {
    await addText('recipe', versionText('gamma', 3));
    expect((await waitForDocument(stack, { collection_name: NAME, doc_id: 'recipe' })).process_status).toBe(0);
    const before = await expectStatsMatchVisiblePoints();

    const gate = holdAfterBatch(writer, 1);
    try {
      await addText('recipe', versionText('delta', 9));
      await gate.reached;
      expect(await hiddenPoints()).toBe(3);
      await stack.post(`${KB}/doc/delete`, { collection_name: NAME, doc_id: 'recipe' });
    } finally {
      gate.release();
      writer.afterBatch = undefined;
    }
    // Deleting the document mid-ingest: its hidden batches go with it, and N drops by exactly the
    // old version's three visible points.
    for (let i = 0; i < 200; i++) {
      const res = await stack.post(`${KB}/doc/info`, { collection_name: NAME, doc_id: 'recipe' });
      if (res.body.code !== 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await expectStatsMatchVisiblePoints()).toBe(before - 3);
    expect((await search('delta gamma')).some((content) => content.includes('delta') || content.includes('gamma'))).toBe(false);
    expect(await hiddenPoints()).toBe(0);
  });
});

describe('a crash between batches (embedded, built api process)', () => {
  jest.setTimeout(300_000);
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    if (!existsSync(API_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    fake = await FakeOpenAiServer.start({ embeddingDimension: 32 });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('leaves nothing of the new version visible, and recovery writes it again and publishes it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-staged-crash-'));
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      EMBEDDING_BASE_URL: fake.baseUrl,
      EMBEDDING_MODEL: 'fake-embedding',
      EMBEDDING_BATCH_SIZE: '64',
      EMBEDDING_MAX_RETRIES: '1',
      INGEST_BATCH_CHUNKS: '3',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      LOG_LEVEL: 'silent',
    };
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify(body),
      });
      return (await response.json()) as any;
    };
    const contents = async () => {
      const data = (await post(`${KB}/point/list`, { collection_name: 'crash', limit: 100 })).data;
      return { total: data.total_num as number, contents: (data.point_list as Array<{ content: string; chunk_id: number }>).map((p) => p.content), chunkIds: (data.point_list as Array<{ chunk_id: number }>).map((p) => p.chunk_id).sort((a, b) => a - b) };
    };
    // Lexical only: a query embedding would wait behind the held embeddings too.
    const searched = async (query: string) =>
      ((await post(`${KB}/collection/search_knowledge`, { collection_name: 'crash', query, limit: 50, dense_weight: 0 })).data.result_list as Array<{ content: string }>).map(
        (r) => r.content,
      );
    const start = () => spawn(process.execPath, [API_MAIN], { env, stdio: 'ignore' });
    const healthy = () => until('api start', async () => ((await fetch(`${baseUrl}/health`)).ok ? true : undefined));

    let api = start();
    try {
      await healthy();
      await post(`${KB}/collection/create`, { name: 'crash', preprocessing: { chunk_length: 50, merge_small_chunks: false } });
      await post(`${KB}/doc/add`, { collection_name: 'crash', add_type: 'text', doc_id: 'guide', content: versionText('alpha', 4) });
      await until('the first version', async () => ((await post(`${KB}/doc/info`, { collection_name: 'crash', doc_id: 'guide' })).data.status.process_status === 0 ? true : undefined));

      // The new version's first batch is embedded and committed; the second batch's embedding waits.
      const embeddingRequests = () => fake.requests.filter((r) => r.path.endsWith('/embeddings')).length;
      fake.holdEmbeddings();
      const before = embeddingRequests();
      await post(`${KB}/doc/add`, { collection_name: 'crash', add_type: 'text', doc_id: 'guide', content: versionText('beta', 12) });
      await until('the first batch to ask for embeddings', async () => (fake.heldEmbeddings() === 1 ? true : undefined));
      fake.releaseEmbeddings(1);
      await until('the second batch to be under way', async () => (embeddingRequests() >= before + 2 && fake.heldEmbeddings() === 1 ? true : undefined));
      await kill(api);

      // Restarted with embeddings still held: recovery clears the crashed attempt's batch and starts over.
      fake.releaseEmbeddings(fake.heldEmbeddings());
      const restartedAt = embeddingRequests();
      api = start();
      await healthy();
      await until('the document to be taken up again', async () => (embeddingRequests() > restartedAt && fake.heldEmbeddings() > 0 ? true : undefined));
      const mid = await contents();
      expect(mid.total).toBe(4);
      expect(mid.contents.every((content) => content.includes('alpha'))).toBe(true);
      expect((await searched('beta valve')).some((content) => content.includes('beta'))).toBe(false);
      expect((await searched('alpha valve')).filter((content) => content.includes('alpha'))).toHaveLength(4);

      fake.releaseAllEmbeddings();
      const info = await until('the new version', async () => {
        const data = (await post(`${KB}/doc/info`, { collection_name: 'crash', doc_id: 'guide' })).data;
        return data.status.process_status === 0 ? data : undefined;
      }, 180_000);
      expect(info.point_num).toBe(12);
      const after = await contents();
      expect(after.total).toBe(12);
      expect(after.chunkIds).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(after.contents.every((content) => content.includes('beta'))).toBe(true);
      expect((await searched('beta valve')).filter((content) => content.includes('beta'))).toHaveLength(12);
    } finally {
      fake.releaseAllEmbeddings();
      await kill(api);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
