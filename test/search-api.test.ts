import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { LOCAL_DENSE_WEIGHT } from '@fjord/search/retrieval/fusion';
import { countTokens } from '@fjord/text';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { BACKENDS, TestStack, startTestStack, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * A rerank service over real HTTP answering in Cohere (`results`), Jina (`results` and
 * `usage.total_tokens`: 4242 per call) or TEI (array) shape, or failing: HTTP 500, an unknown answer
 * shape, or scores for only some of the passages.
 */
async function startRerankServer(shape: 'cohere' | 'jina' | 'tei' | 'http-500' | 'unknown-shape' | 'partial'): Promise<{ url: string; bodies: any[]; close: () => Promise<void> }> {
  const bodies: any[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      bodies.push({ path: req.url, auth: req.headers.authorization, body });
      if (shape === 'http-500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: 'model not loaded' }));
      }
      if (shape === 'unknown-shape') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ rankings: [0.5, 0.1] }));
      }
      if (shape === 'partial') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ results: [{ index: 0, relevance_score: 0.9 }] }));
      }
      const texts: string[] = shape === 'tei' ? body.texts : body.documents;
      // Scores by length: the shortest passage ranks first, whatever retrieval said.
      const scored = texts.map((t, index) => ({ index, score: 1 / t.length }));
      const sorted = [...scored].sort((a, b) => b.score - a.score);
      const results = sorted.map((s) => ({ index: s.index, relevance_score: s.score }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(shape === 'tei' ? sorted : shape === 'jina' ? { results, usage: { total_tokens: 4242 } } : { results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A collection of plain-text documents on `target`, every one indexed before this returns. */
async function seedCollection(target: TestStack, name: string, docs: Array<[id: string, text: string]>): Promise<void> {
  expect((await target.post(`${KB}/collection/create`, { name })).status).toBe(200);
  for (const [id, text] of docs) {
    expect((await target.post(`${KB}/doc/add`, { collection_name: name, add_type: 'text', doc_id: id, doc_type: 'txt', content: text })).status).toBe(200);
  }
  for (const [id] of docs) expect((await waitForDocument(target, { collection_name: name, doc_id: id })).process_status).toBe(0);
}

const FIELDS = [
  { field_name: 'year', field_type: 'int64' },
  { field_name: 'lang', field_type: 'string' },
  { field_name: 'tags', field_type: 'list<string>' },
  { field_name: 'ranks', field_type: 'list<int64>' },
  { field_name: 'score', field_type: 'float32' },
  { field_name: 'public', field_type: 'bool' },
  { field_name: 'tier', field_type: 'string', default_val: 'free' },
];

// Every document mentions "harbour", so one query reaches all of them and filters decide.
const DOCS: Array<{ id: string; text: string; meta: Record<string, unknown> }> = [
  { id: 'd1', text: 'The harbour of Bergen in winter.', meta: { year: 2019, lang: 'en', tags: ['port', 'norway'], ranks: [1, 5], score: 0.5, public: true, tier: 'pro' } },
  { id: 'd2', text: 'A harbour crane lifts containers.', meta: { year: 2020, lang: 'en', tags: ['cargo'], ranks: [7], score: 1.5, public: false } },
  { id: 'd3', text: 'Le harbour de Marseille au printemps.', meta: { year: 2021, lang: 'fr', tags: ['port'], score: 2.5, public: true } },
  { id: 'd4', text: 'Harbour seals rest on the rocks.', meta: { year: 2022, lang: 'en', ranks: [2, 3], public: true, tier: 'pro' } },
  { id: 'd5', text: 'harbour 港口 的 船只', meta: {} },
];

describe.each(BACKENDS)('search_knowledge (%s)', (backend) => {
  let stack: TestStack;
  let rerankServer: Awaited<ReturnType<typeof startRerankServer>>;
  /** A stack started with its own settings (a rerank or embedding service) by one test, closed by it. */
  let configuredStack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend);
    const created = await stack.post(`${KB}/collection/create`, { name: 'filters', index: { index_config: { fields: FIELDS } } });
    expect(created.status).toBe(200);
    for (const d of DOCS) {
      const meta = Object.entries(d.meta).map(([field_name, field_value]) => ({
        field_name,
        field_type: FIELDS.find((f) => f.field_name === field_name)?.field_type,
        field_value,
      }));
      const res = await stack.post(`${KB}/doc/add`, { collection_name: 'filters', add_type: 'text', doc_id: d.id, doc_name: `${d.id}.txt`, content: d.text, meta });
      expect(res.status).toBe(200);
    }
    for (const d of DOCS) expect((await waitForDocument(stack, { collection_name: 'filters', doc_id: d.id })).process_status).toBe(0);
  });
  afterAll(async () => {
    await stack?.close();
    await configuredStack?.close();
    await rerankServer?.close();
  });

  const search = (body: Record<string, unknown>, path = 'collection/search_knowledge') => stack.post(`${KB}/${path}`, { collection_name: 'filters', ...body });

  async function filtered(docFilter: unknown): Promise<string[]> {
    const res = await search({ query: 'harbour', limit: 50, dense_weight: 0, query_param: { doc_filter: docFilter } });
    expect(res.status).toBe(200);
    return res.body.data.result_list.map((i: any) => i.doc_info.doc_id).sort();
  }

  describe('doc_filter', () => {
    const cases: Array<[string, unknown, string[]]> = [
      ['no filter reaches every document', { op: 'or', conds: [{ op: 'must_not', field: 'doc_id', conds: ['none'] }] }, ['d1', 'd2', 'd3', 'd4', 'd5']],
      ['must on int64', { op: 'must', field: 'year', conds: [2019, 2021] }, ['d1', 'd3']],
      ['must on string', { op: 'must', field: 'lang', conds: ['fr'] }, ['d3']],
      ['must on list<string> (any element)', { op: 'must', field: 'tags', conds: ['port'] }, ['d1', 'd3']],
      ['must on list<int64>', { op: 'must', field: 'ranks', conds: [3, 7] }, ['d2', 'd4']],
      ['must on bool', { op: 'must', field: 'public', conds: [false] }, ['d2']],
      ['must on doc_id', { op: 'must', field: 'doc_id', conds: ['d2', 'd5'] }, ['d2', 'd5']],
      ['must_not keeps documents without the field', { op: 'must_not', field: 'lang', conds: ['en'] }, ['d3', 'd5']],
      ['must_not on list<string>', { op: 'must_not', field: 'tags', conds: ['port'] }, ['d2', 'd4', 'd5']],
      ['must_not on doc_id', { op: 'must_not', field: 'doc_id', conds: ['d1'] }, ['d2', 'd3', 'd4', 'd5']],
      ['range gte/lt', { op: 'range', field: 'year', gte: 2020, lt: 2022 }, ['d2', 'd3']],
      ['range gt/lte', { op: 'range', field: 'year', gt: 2020, lte: 2022 }, ['d3', 'd4']],
      ['range on float32', { op: 'range', field: 'score', gt: 1 }, ['d2', 'd3']],
      ['range on list<int64> (any element inside)', { op: 'range', field: 'ranks', gte: 4, lte: 6 }, ['d1']],
      ['range_out', { op: 'range_out', field: 'year', gte: 2020, lte: 2021 }, ['d1', 'd4']],
      ['range_out on float32', { op: 'range_out', field: 'score', lt: 2 }, ['d3']],
      ['and', { op: 'and', conds: [{ op: 'must', field: 'lang', conds: ['en'] }, { op: 'range', field: 'year', gte: 2020 }] }, ['d2', 'd4']],
      ['or', { op: 'or', conds: [{ op: 'must', field: 'lang', conds: ['fr'] }, { op: 'must', field: 'doc_id', conds: ['d5'] }] }, ['d3', 'd5']],
      [
        'nested and/or',
        { op: 'and', conds: [{ op: 'or', conds: [{ op: 'must', field: 'public', conds: [true] }, { op: 'must', field: 'year', conds: [2020] }] }, { op: 'must_not', field: 'tags', conds: ['norway'] }] },
        ['d2', 'd3', 'd4'],
      ],
      ['a declared default_val stands in for a missing field', { op: 'must', field: 'tier', conds: ['free'] }, ['d2', 'd3', 'd5']],
      ['a filter matching nothing', { op: 'must', field: 'year', conds: [1900] }, []],
    ];
    it.each(cases)('%s', async (_label, filter, expected) => {
      expect(await filtered(filter)).toEqual(expected);
    });

    it('applies filters to the dense path too (filtered HNSW scans still fill the limit)', async () => {
      const res = await search({ query: 'harbour', limit: 3, dense_weight: 1, query_param: { doc_filter: { op: 'must', field: 'lang', conds: ['en'] } } });
      expect(res.body.data.result_list.map((i: any) => i.doc_info.doc_id).sort()).toEqual(['d1', 'd2', 'd4']);
    });
  });

  describe('fusion and debug', () => {
    it('dense_weight 0 is lexical only, 1 dense only, 0.5 both; debug shows each signal', async () => {
      const lexical = await search({ query: 'harbour seals', limit: 5, dense_weight: 0, debug: true });
      const items = lexical.body.data.result_list;
      expect(items.length).toBe(5);
      for (const item of items) {
        expect(item.debug.dense).toBeNull();
        expect(item.debug.lexical).toEqual({ rank: expect.any(Number), score: expect.any(Number) });
      }
      expect(items[0].doc_info.doc_id).toBe('d4');
      expect(items.map((i: any) => i.debug.lexical.rank)).toEqual([1, 2, 3, 4, 5]);

      const dense = await search({ query: 'harbour seals', limit: 5, dense_weight: 1, debug: true });
      const embedder = new LocalHashEmbedder(384);
      const queryVector = embedder.embedText('harbour seals');
      for (const item of dense.body.data.result_list) {
        expect(item.debug.lexical).toBeNull();
        // The reported dense score is the cosine of the chunk (title + content) and the query.
        expect(item.debug.dense.score).toBeCloseTo(cosine(embedder.embedText(`${item.chunk_title}\n${item.content}`), queryVector), 5);
      }
      const denseScores = dense.body.data.result_list.map((i: any) => i.debug.dense.score);
      expect([...denseScores].sort((a: number, b: number) => b - a)).toEqual(denseScores);

      const hybrid = await search({ query: 'harbour seals', limit: 5, debug: true });
      const top = hybrid.body.data.result_list[0];
      expect(top.doc_info.doc_id).toBe('d4');
      expect(top.debug.dense).not.toBeNull();
      expect(top.debug.lexical).not.toBeNull();
      expect(top.debug.fused).toEqual({ rank: 1, score: top.score });
      const fusedScores = hybrid.body.data.result_list.map((i: any) => i.score);
      expect([...fusedScores].sort((a: number, b: number) => b - a)).toEqual(fusedScores);
      // Blend: w x cosine + (1 - w) x min-max BM25, and the BM25 winner's normalised score is 1. Without a
      // dense_weight, w follows the collection's embedder: the local hashing embedder's default.
      expect(top.debug.lexical.rank).toBe(1);
      expect(top.score).toBeCloseTo(LOCAL_DENSE_WEIGHT * top.debug.dense.score + (1 - LOCAL_DENSE_WEIGHT), 9);
      const even = await search({ query: 'harbour seals', limit: 5, dense_weight: 0.5, debug: true });
      const evenTop = even.body.data.result_list.find((i: any) => i.debug.lexical?.rank === 1);
      expect(evenTop.score).toBeCloseTo(0.5 * evenTop.debug.dense.score + 0.5, 9);
      const last = hybrid.body.data.result_list[4];
      expect(last.score).toBeLessThan(top.score);
      // Without debug there is no debug block.
      const plain = await search({ query: 'harbour seals', limit: 1 });
      expect(plain.body.data.result_list[0].debug).toBeUndefined();
    });

    it('score_threshold (ext) leaves out items scored below it: fused scores, or rerank scores when reranked', async () => {
      const all = await search({ query: 'harbour seals', limit: 10 });
      const scores: number[] = all.body.data.result_list.map((i: any) => i.score);
      expect(scores.length).toBe(5);
      // A floor between the second and third score keeps exactly the first two, in the same order.
      const floor = (scores[1] + scores[2]) / 2;
      const floored = await search({ query: 'harbour seals', limit: 10, score_threshold: floor });
      expect(floored.body.data.result_list.map((i: any) => i.point_id)).toEqual(all.body.data.result_list.slice(0, 2).map((i: any) => i.point_id));
      expect(floored.body.data.count).toBe(2);
      // The floor is inclusive, and one above every score returns an empty list, not an error.
      expect((await search({ query: 'harbour seals', limit: 10, score_threshold: scores[0] })).body.data.count).toBe(scores.filter((s) => s >= scores[0]).length);
      const none = await search({ query: 'harbour seals', limit: 10, score_threshold: scores[0] + 0.01 });
      expect([none.status, none.body.data.count, none.body.data.result_list]).toEqual([200, 0, []]);
      // With rerank on, the floor applies to rerank_score.
      const reranked = await search({ query: 'harbour seals rest', limit: 5, post_processing: { rerank_switch: true, retrieve_count: 5 } });
      const rerankScores: number[] = reranked.body.data.result_list.map((i: any) => i.rerank_score);
      const rerankFloor = (rerankScores[0] + rerankScores[1]) / 2;
      expect(rerankScores[0]).toBeGreaterThan(rerankScores[1]);
      const rerankFloored = await search({ query: 'harbour seals rest', limit: 5, score_threshold: rerankFloor, post_processing: { rerank_switch: true, retrieve_count: 5 } });
      expect(rerankFloored.body.data.result_list.map((i: any) => i.point_id)).toEqual([reranked.body.data.result_list[0].point_id]);
      // Not a number: the Viking envelope's 1000003, naming the field.
      for (const bad of ['0.5', true, [0.5]]) {
        const res = await search({ query: 'harbour', score_threshold: bad });
        expect([res.status, res.body.code]).toEqual([400, 1000003]);
        expect(res.body.message).toMatch(/score_threshold/);
      }
    });

    it('finds a passage by paraphrase (dense) that keywords miss, and Chinese by keyword', async () => {
      const lexicalOnly = await search({ query: 'harbours', limit: 10, dense_weight: 0 });
      expect(lexicalOnly.body.data.result_list.length).toBe(5); // stemming: harbours -> harbour
      const paraphrase = await search({ query: 'harbourside', limit: 10, dense_weight: 0 });
      expect(paraphrase.body.data.count).toBe(0);
      const dense = await search({ query: 'harbourside', limit: 10, dense_weight: 1 });
      expect(dense.body.data.count).toBe(5);
      const chinese = await search({ query: '港口船只', limit: 1, dense_weight: 0 });
      expect(chinese.body.data.result_list[0].doc_info.doc_id).toBe('d5');
    });

    it('returns every documented item field; collection/search is the same endpoint', async () => {
      const res = await search({ query: 'harbour seals', limit: 2 });
      expect(res.body).toMatchObject({ code: 0, message: 'success', request_id: expect.any(String) });
      expect(res.body.data).toMatchObject({ collection_name: 'filters', count: 2, rewrite_query: 'harbour seals', token_usage: null, embedding_model: 'fjord-local-hash-v1' });
      const item = res.body.data.result_list[0];
      expect(item).toEqual({
        id: 'd4-0',
        point_id: 'd4-0',
        content: DOCS[3].text,
        score: expect.any(Number),
        chunk_id: 0,
        chunk_title: 'd4.txt',
        chunk_type: 'text',
        process_time: expect.any(Number),
        recall_position: 1,
        doc_info: {
          doc_id: 'd4',
          doc_name: 'd4.txt',
          create_time: expect.any(Number),
          doc_type: 'txt',
          doc_meta: expect.stringContaining('"year"'),
          source: 'text',
          title: 'd4.txt',
        },
      });
      expect(Math.abs(item.doc_info.create_time - Date.now() / 1000)).toBeLessThan(600);
      const legacy = await search({ query: 'harbour seals', limit: 2 }, 'collection/search');
      expect(legacy.body.data.result_list.map((i: any) => [i.point_id, i.score])).toEqual(res.body.data.result_list.map((i: any) => [i.point_id, i.score]));
      const usage = await search({ query: 'harbour seals', limit: 2, pre_processing: { return_token_usage: true } });
      expect(usage.body.data.token_usage.embedding_token_usage.total_tokens).toBeGreaterThan(0);
    });
  });

  describe('rerank', () => {
    it('collection/search takes the Viking SDK search_collection body: rerank fields at the top level', async () => {
      const sdkBody = { query: 'harbour seals rest', limit: 3, rerank_switch: true, retrieve_count: 5, rerank_model: 'm3-v2-rerank', rerank_only_chunk: false, endpoint_id: 'ep-1' };
      const legacy = await search(sdkBody, 'collection/search');
      expect(legacy.status).toBe(200);
      const items = legacy.body.data.result_list;
      expect(items.length).toBe(3);
      for (const item of items) expect(item.rerank_position).toEqual(expect.any(Number));
      const modern = await search({ query: 'harbour seals rest', limit: 3, post_processing: { rerank_switch: true, retrieve_count: 5, rerank_model: 'm3-v2-rerank' } });
      expect(items.map((i: any) => [i.point_id, i.rerank_score])).toEqual(modern.body.data.result_list.map((i: any) => [i.point_id, i.rerank_score]));
      // post_processing wins where both set a field; top-level fields are validated like post_processing's.
      const both = await search({ query: 'harbour seals rest', limit: 3, rerank_switch: true, retrieve_count: 5, post_processing: { rerank_switch: false } }, 'collection/search');
      expect(both.body.data.result_list.every((i: any) => i.rerank_position === undefined)).toBe(true);
      const bad = await search({ query: 'harbour', limit: 10, rerank_switch: true, retrieve_count: 5 }, 'collection/search');
      expect([bad.status, bad.body.code]).toEqual([400, 1000003]);
      expect(bad.body.message).toMatch(/post_processing\.retrieve_count: must be at least limit \(10\)/);
      // search_knowledge keeps its own contract: a top-level rerank_switch there is not a rerank request.
      const current = await search({ query: 'harbour seals rest', limit: 3, rerank_switch: true });
      expect(current.body.data.result_list.every((i: any) => i.rerank_position === undefined)).toBe(true);
    });

    it('reranks with the local proximity reranker and reports both positions', async () => {
      const res = await search({ query: 'harbour seals rest', limit: 3, post_processing: { rerank_switch: true, retrieve_count: 5 }, debug: true });
      const items = res.body.data.result_list;
      expect(items.length).toBe(3);
      expect(items.map((i: any) => i.rerank_position)).toEqual([1, 2, 3]);
      expect(items[0].doc_info.doc_id).toBe('d4');
      expect(items[0].rerank_score).toBeGreaterThan(items[1].rerank_score);
      for (const i of items) expect(i.debug.rerank).toEqual({ rank: i.rerank_position, score: i.rerank_score });
      expect(new Set(items.map((i: any) => i.recall_position)).size).toBe(3);
    });

    it('service/rerank scores each pair with the local reranker', async () => {
      const res = await stack.post(`${KB}/service/rerank`, {
        datas: [
          { query: 'harbour seals', content: 'Seals rest in the harbour.' },
          { query: 'harbour seals', content: 'Mountains and rain.' },
          { query: '港口', content: '港口的船只', title: '港口' },
        ],
      });
      expect(res.status).toBe(200);
      const { scores, token_usage } = res.body.data;
      expect(scores.length).toBe(3);
      expect(scores[0]).toBeGreaterThan(scores[1]);
      expect(scores[1]).toBe(0);
      expect(scores[2]).toBeGreaterThan(0);
      expect(token_usage).toBeGreaterThan(10);
    });

    it.each(['cohere', 'tei'] as const)('uses a %s-shaped /rerank service when RERANK_BASE_URL is set', async (shape) => {
      rerankServer = await startRerankServer(shape);
      configuredStack = await startTestStack(backend, { RERANK_BASE_URL: rerankServer.url, RERANK_API_KEY: 'rk-test', RERANK_MODEL: 'bge-reranker' });
      try {
        const res = await configuredStack.post(`${KB}/service/rerank`, {
          datas: [
            { query: 'q', content: 'a much longer passage here' },
            { query: 'q', content: 'short' },
          ],
          rerank_model: 'm3-v2-rerank',
        });
        expect(res.status).toBe(200);
        expect(res.body.data.scores).toEqual([1 / 'a much longer passage here'.length, 1 / 'short'.length]);
        expect(rerankServer.bodies[0]).toMatchObject({ path: '/rerank', auth: 'Bearer rk-test', body: { model: 'm3-v2-rerank', query: 'q' } });
      } finally {
        await configuredStack.close();
        configuredStack = undefined as unknown as TestStack;
        await rerankServer.close();
        rerankServer = undefined as unknown as typeof rerankServer;
      }
    });
  });

  it.each([
    ['http-500', /rerank service answered HTTP 500: .*model not loaded/],
    ['unknown-shape', /rerank service answered in an unknown shape/],
    ['partial', /rerank service scored 1 of 2 passages/],
    ['unreachable', /rerank service http:\/\/127\.0\.0\.1:\d+\/rerank unreachable/],
  ] as const)('a rerank service failure (%s) is 1000028 / HTTP 500 naming the service, and search without rerank still answers', async (mode, message) => {
    rerankServer = await startRerankServer(mode === 'unreachable' ? 'cohere' : mode);
    const url = rerankServer.url;
    if (mode === 'unreachable') {
      await rerankServer.close();
      rerankServer = undefined as unknown as typeof rerankServer;
    }
    configuredStack = await startTestStack(backend, { RERANK_BASE_URL: url });
    try {
      const direct = await configuredStack.post(`${KB}/service/rerank`, { datas: [{ query: 'q', content: 'one passage' }, { query: 'q', content: 'another' }] });
      expect([direct.status, direct.body.code]).toEqual([500, 1000028]);
      expect(direct.body.message).toMatch(message);
      expect(direct.body.request_id).toEqual(expect.any(String));

      await seedCollection(configuredStack, 'reranked', [['r1', 'harbour cranes'], ['r2', 'harbour seals']]);
      const reranked = await configuredStack.post(`${KB}/collection/search_knowledge`, { name: 'reranked', query: 'harbour', limit: 2, post_processing: { rerank_switch: true, retrieve_count: 2 } });
      expect([reranked.status, reranked.body.code]).toEqual([500, 1000028]);
      expect(reranked.body.message).toMatch(message);
      const plain = await configuredStack.post(`${KB}/collection/search_knowledge`, { name: 'reranked', query: 'harbour', limit: 2 });
      expect(plain.status).toBe(200);
      expect(plain.body.data.count).toBe(2);
    } finally {
      await configuredStack.close();
      configuredStack = undefined as unknown as TestStack;
      if (rerankServer) await rerankServer.close();
      rerankServer = undefined as unknown as typeof rerankServer;
    }
  });

  it('pre_processing.rewrite rewrites a follow-up from messages, and rewrite_query says what was searched', async () => {
    const messages = [
      { role: 'user', content: 'Where do harbour seals rest?' },
      { role: 'assistant', content: 'On the rocks.' },
    ];
    const rewritten = await search({ query: 'and in winter?', limit: 1, pre_processing: { rewrite: true, messages } });
    expect(rewritten.status).toBe(200);
    expect(rewritten.body.data.rewrite_query).toBe('Where do harbour seals rest? and in winter?');
    expect(rewritten.body.data.result_list[0].doc_info.doc_id).toBe('d4');

    const asGiven = await search({ query: 'and in winter?', limit: 1, pre_processing: { messages } });
    expect(asGiven.body.data.rewrite_query).toBe('and in winter?');
    expect(asGiven.body.data.result_list[0].doc_info.doc_id).toBe('d1');

    // OpenAI-style content parts count by their text; a question that stands alone is searched as given.
    const parts = [{ role: 'user', content: [{ type: 'text', text: 'Where do harbour seals rest?' }] }];
    const fromParts = await search({ query: 'what about them in winter?', limit: 1, pre_processing: { rewrite: true, messages: parts } });
    expect(fromParts.body.data.rewrite_query).toBe('Where do harbour seals rest? what about them in winter?');
    const standalone = await search({ query: 'Which cranes lift containers in the harbour of Bergen?', limit: 1, pre_processing: { rewrite: true, messages: parts } });
    expect(standalone.body.data.rewrite_query).toBe('Which cranes lift containers in the harbour of Bergen?');
  });

  it('token_usage reports what the embedding and rerank services reported, and counts o200k where they report nothing', async () => {
    const embeddingServer = await FakeOpenAiServer.start({ embeddingDimension: 16, embeddingPromptTokens: 777 });
    rerankServer = await startRerankServer('jina');
    configuredStack = await startTestStack(backend, { EMBEDDING_BASE_URL: embeddingServer.baseUrl, EMBEDDING_MODEL: 'fake-embedding', RERANK_BASE_URL: rerankServer.url });
    try {
      await seedCollection(configuredStack, 'usage', [['u1', 'harbour cranes'], ['u2', 'harbour seals']]);
      const body = { name: 'usage', query: 'harbour seals', limit: 2, pre_processing: { return_token_usage: true }, post_processing: { rerank_switch: true, retrieve_count: 2 } };
      const first = await configuredStack.post(`${KB}/collection/search_knowledge`, body);
      expect(first.status).toBe(200);
      expect(first.body.data.token_usage).toEqual({
        embedding_token_usage: { prompt_tokens: 777, completion_tokens: 0, total_tokens: 777 },
        rerank_token_usage: 4242,
      });
      // The same query again: its vector comes from the query cache, no model was asked, so fjord counts.
      const again = await configuredStack.post(`${KB}/collection/search_knowledge`, body);
      expect(again.body.data.token_usage.embedding_token_usage.prompt_tokens).toBe(countTokens('harbour seals'));
      const lexicalOnly = await configuredStack.post(`${KB}/collection/search_knowledge`, { ...body, dense_weight: 0 });
      expect(lexicalOnly.body.data.token_usage.embedding_token_usage.prompt_tokens).toBe(0);
      const pairs = await configuredStack.post(`${KB}/service/rerank`, { datas: [{ query: 'q', content: 'a' }, { query: 'r', content: 'b' }] });
      expect(pairs.body.data.token_usage).toBe(2 * 4242); // one call per distinct query
    } finally {
      await configuredStack.close();
      configuredStack = undefined as unknown as TestStack;
      await rerankServer.close();
      rerankServer = undefined as unknown as typeof rerankServer;
      await embeddingServer.close();
    }
  });

  it('EMBEDDING_QUERY_INSTRUCTION prefixes search queries, never chunks, unless need_instruction is false', async () => {
    const embeddingServer = await FakeOpenAiServer.start({ embeddingDimension: 16 });
    configuredStack = await startTestStack(backend, { EMBEDDING_BASE_URL: embeddingServer.baseUrl, EMBEDDING_MODEL: 'fake-e5', EMBEDDING_QUERY_INSTRUCTION: 'query: ' });
    try {
      await seedCollection(configuredStack, 'instructed', [['i1', 'harbour cranes']]);
      const inputs = () => embeddingServer.requests.filter((r) => r.path.endsWith('/embeddings')).flatMap((r) => (r.body as { input: string[] }).input);
      expect(inputs().every((text) => !text.startsWith('query: '))).toBe(true);
      const before = inputs().length;

      const body = { name: 'instructed', query: 'harbour cranes', limit: 1, pre_processing: { return_token_usage: true } };
      const instructed = await configuredStack.post(`${KB}/collection/search_knowledge`, body);
      expect(instructed.body.data.count).toBe(1);
      expect(instructed.body.data.rewrite_query).toBe('harbour cranes');
      const plain = await configuredStack.post(`${KB}/collection/search_knowledge`, { ...body, pre_processing: { need_instruction: false } });
      expect(plain.body.data.count).toBe(1);
      expect(inputs().slice(before)).toEqual(['query: harbour cranes', 'harbour cranes']);
    } finally {
      await configuredStack.close();
      configuredStack = undefined as unknown as TestStack;
      await embeddingServer.close();
    }
  });

  it('rerank token_usage counts query, title and content alike in search and service/rerank when the service reports none', async () => {
    const withTitle = await stack.post(`${KB}/service/rerank`, { datas: [{ query: 'harbour seals', content: 'Harbour seals rest on the rocks.', title: 'd4.txt' }] });
    expect(withTitle.body.data.token_usage).toBe(countTokens('harbour seals') + countTokens('Harbour seals rest on the rocks.') + countTokens('d4.txt'));
    const searched = await search({ query: 'harbour seals', limit: 1, pre_processing: { return_token_usage: true }, post_processing: { rerank_switch: true, retrieve_count: 1 } });
    const item = searched.body.data.result_list[0];
    expect(searched.body.data.token_usage.rerank_token_usage).toBe(countTokens('harbour seals') + countTokens(item.content) + countTokens(item.chunk_title));
  });

  describe('validation errors (1000003 naming the problem)', () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['missing query', {}, /query/],
      ['empty query', { query: '' }, /query/],
      ['query over 8000 characters', { query: 'x'.repeat(8001) }, /query: must be at most 8000 characters/],
      ['query over 8000 characters outside the BMP', { query: '🌊'.repeat(8001) }, /query: must be at most 8000 characters/],
      ['a query of only spaces', { query: ' \t\n ' }, /query: must contain a non-space character/],
      ['limit 0', { query: 'x', limit: 0 }, /limit/],
      ['limit 201', { query: 'x', limit: 201 }, /limit/],
      ['fractional limit', { query: 'x', limit: 1.5 }, /limit/],
      ['dense_weight below 0', { query: 'x', dense_weight: -0.1 }, /dense_weight/],
      ['dense_weight above 1', { query: 'x', dense_weight: 1.1 }, /dense_weight/],
      ['chunk_diffusion_count 6', { query: 'x', post_processing: { chunk_diffusion_count: 6 } }, /chunk_diffusion_count/],
      ['retrieve_count below limit with rerank', { query: 'x', limit: 10, post_processing: { rerank_switch: true, retrieve_count: 5 } }, /retrieve_count/],
      ['retrieve_count above 200', { query: 'x', post_processing: { retrieve_count: 201 } }, /retrieve_count/],
      ['an undeclared field', { query: 'x', query_param: { doc_filter: { op: 'must', field: 'colour', conds: ['red'] } } }, /colour is not declared/],
      ['an undeclared field deep inside and/or', { query: 'x', query_param: { doc_filter: { op: 'and', conds: [{ op: 'or', conds: [{ op: 'range', field: 'weight', gt: 1 }] }] } } }, /weight is not declared/],
      ['an unknown op', { query: 'x', query_param: { doc_filter: { op: 'like', field: 'lang', conds: ['en'] } } }, /doc_filter/],
      ['must without conds', { query: 'x', query_param: { doc_filter: { op: 'must', field: 'lang' } } }, /doc_filter/],
      ['must with empty conds', { query: 'x', query_param: { doc_filter: { op: 'must', field: 'lang', conds: [] } } }, /doc_filter/],
      ['a string for an int64 field', { query: 'x', query_param: { doc_filter: { op: 'must', field: 'year', conds: ['2020'] } } }, /year is int64/],
      ['a number for a string field', { query: 'x', query_param: { doc_filter: { op: 'must', field: 'lang', conds: [1] } } }, /lang is string/],
      ['range on a string field', { query: 'x', query_param: { doc_filter: { op: 'range', field: 'lang', gt: 1 } } }, /numeric field/],
      ['range on doc_id', { query: 'x', query_param: { doc_filter: { op: 'range', field: 'doc_id', gt: 1 } } }, /numeric field/],
      ['range without bounds', { query: 'x', query_param: { doc_filter: { op: 'range', field: 'year' } } }, /at least one of gt, gte, lt, lte/],
      ['range with gt and gte', { query: 'x', query_param: { doc_filter: { op: 'range', field: 'year', gt: 1, gte: 2 } } }, /gt or gte/],
      ['and without conds', { query: 'x', query_param: { doc_filter: { op: 'and', conds: [] } } }, /doc_filter/],
      [
        'nesting deeper than 8 levels',
        { query: 'x', query_param: { doc_filter: Array.from({ length: 9 }).reduce((inner) => ({ op: 'and', conds: [inner] }), { op: 'must', field: 'lang', conds: ['en'] }) } },
        /deeper than 8/,
      ],
    ];
    it.each(cases)('%s', async (_label, body, message) => {
      const res = await search(body);
      expect([res.status, res.body.code]).toEqual([400, 1000003]);
      expect(res.body.message).toMatch(message);
      expect(res.body.data).toBeNull();
    });

    it('counts the 8000 in characters: 8000 emoji (16000 UTF-16 units) are a valid query', async () => {
      const res = await search({ query: '🌊'.repeat(8000) });
      expect([res.status, res.body.code]).toEqual([200, 0]);
      const rerank = await stack.post(`${KB}/service/rerank`, { datas: [{ query: '🌊'.repeat(8000), content: 'waves' }] });
      expect([rerank.status, rerank.body.code]).toEqual([200, 0]);
      const spaces = await stack.post(`${KB}/service/rerank`, { datas: [{ query: '   ', content: 'waves' }] });
      expect([spaces.status, spaces.body.code]).toEqual([400, 1000003]);
      expect(spaces.body.message).toMatch(/datas\.0\.query: must contain a non-space character/);
    });

    it('rerank request errors and a missing collection', async () => {
      const empty = await stack.post(`${KB}/service/rerank`, { datas: [] });
      expect([empty.status, empty.body.code]).toEqual([400, 1000003]);
      const many = await stack.post(`${KB}/service/rerank`, { datas: Array.from({ length: 201 }, () => ({ query: 'q', content: 'c' })) });
      expect([many.status, many.body.code]).toEqual([400, 1000003]);
      expect(many.body.message).toMatch(/datas/);
      const noContent = await stack.post(`${KB}/service/rerank`, { datas: [{ query: 'q' }] });
      expect([noContent.status, noContent.body.code]).toEqual([400, 1000003]);
      const missing = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'nowhere', query: 'x' });
      expect([missing.status, missing.body.code]).toEqual([404, 1000005]);
      const unnamed = await stack.post(`${KB}/collection/search_knowledge`, { query: 'x' });
      expect([unnamed.status, unnamed.body.code]).toEqual([400, 1000003]);
      const noKey = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'filters', query: 'x' }, null);
      expect([noKey.status, noKey.body.code]).toEqual([401, 1000001]);
    });
  });
});
