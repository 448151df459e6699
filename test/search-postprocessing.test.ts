import { LocalHashEmbedder } from '@fjord/embeddings';
import { VectorIndexRepository } from '@fjord/knowledge/vector-index/vector-index.repository';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { DB, Db } from '@fjord/database';
import { SearchRepository } from '@fjord/search/retrieval/search.repository';
import { createCollectionDirect, writeDocumentDirect } from './support/direct-points';
import { BACKENDS, TestStack, startTestStack, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';
const CHUNKS = ['alpha introduction', 'bravo details', 'charlie method', 'delta zebra results', 'echo discussion', 'foxtrot summary'];

describe.each(BACKENDS)('chunk diffusion, chunk_group and the dense index (%s)', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend);
    await stack.post(`${KB}/collection/create`, { name: 'long' });
    // Chunk 0 from the upload, chunks 1..5 appended as points: chunk_id is the document position.
    for (const docId of ['a', 'b']) {
      await stack.post(`${KB}/doc/add`, { collection_name: 'long', add_type: 'text', doc_id: docId, doc_name: `${docId}.txt`, content: `${docId} ${CHUNKS[0]}` });
      expect((await waitForDocument(stack, { collection_name: 'long', doc_id: docId })).process_status).toBe(0);
      for (const text of CHUNKS.slice(1)) {
        const res = await stack.post(`${KB}/point/add`, { collection_name: 'long', doc_id: docId, content: `${docId} ${text}` });
        expect(res.status).toBe(200);
      }
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  const search = (body: Record<string, unknown>) => stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'long', dense_weight: 0, ...body });

  it('chunk_diffusion_count adds the neighbours of each hit right after it', async () => {
    const none = await search({ query: 'zebra', limit: 2, debug: true });
    expect(none.body.data.result_list.map((i: any) => i.point_id)).toEqual(['a-3', 'b-3']);
    const one = await search({ query: 'zebra', limit: 2, debug: true, post_processing: { chunk_diffusion_count: 1 } });
    const items = one.body.data.result_list;
    expect(items.map((i: any) => i.point_id)).toEqual(['a-3', 'a-2', 'a-4', 'b-3', 'b-2', 'b-4']);
    expect(one.body.data.count).toBe(6);
    expect(items[1].debug).toEqual({ dense: null, lexical: null, fused: null, rerank: null, diffused_from: 'a-3' });
    expect(items[1].recall_position).toBe(items[0].recall_position);
    const two = await search({ query: 'zebra', limit: 1, post_processing: { chunk_diffusion_count: 2 } });
    expect(two.body.data.result_list.map((i: any) => i.point_id)).toEqual(['a-3', 'a-1', 'a-2', 'a-4', 'a-5']);
  });

  it('does not repeat a chunk that is already a hit', async () => {
    const res = await search({ query: 'charlie delta', limit: 2, post_processing: { chunk_diffusion_count: 1 } });
    const ids = res.body.data.result_list.map((i: any) => i.point_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 1)).toEqual(['a-2']);
  });

  it('chunk_group orders documents by their best hit and chunks by position', async () => {
    // "b zebra"/"b charlie" lets b win; a's hits follow, each document in chunk order.
    const res = await search({ query: 'b zebra charlie', limit: 4, post_processing: { chunk_group: true } });
    const ids = res.body.data.result_list.map((i: any) => i.point_id);
    expect(ids[0].startsWith('b-')).toBe(true);
    const b = ids.filter((id: string) => id.startsWith('b-'));
    const a = ids.filter((id: string) => id.startsWith('a-'));
    expect(ids).toEqual([...b, ...a]);
    expect(b).toEqual([...b].sort());
    expect(a).toEqual([...a].sort());
    const ungrouped = await search({ query: 'b zebra charlie', limit: 4 });
    expect(ungrouped.body.data.result_list.map((i: any) => i.point_id).sort()).toEqual([...ids].sort());
  });

  (backend === 'services' ? it : it.skip)('uses the HNSW index on Postgres and fills the limit under a selective filter', async () => {
    const collection = await createCollectionDirect(stack.app, 'dense');
    const db = stack.app.get<Db>(DB);
    const embedder = new LocalHashEmbedder(384);
    for (let d = 0; d < 40; d++) {
      const chunks = Array.from({ length: 75 }, (_, c) => `topic ${d % 7} item ${c} word${(d * 75 + c) % 97} harbour`);
      await writeDocumentDirect(stack.app, collection.id, `d${d}`, chunks, embedder);
    }
    expect(await stack.app.get(VectorIndexService).rebuildIfNeeded(collection.id, true)).toBe(true);
    await db.query('ANALYZE points');
    const state = await stack.app.get(VectorIndexRepository).state(collection.id);
    expect(state?.indexName).toMatch(/^points_hnsw_c\d+_w\d+$/);
    // The index must be usable by the dense query's expression and predicate. At 3,000 rows the planner
    // rightly prefers an exact sort once ef_search reaches 100 (pgvector's cost grows with it), so the plan
    // is asked at 40; bench:search checks it at 100k rows with the configured ef_search.
    const plan = await stack.app.get(SearchRepository).explainDense({ state: state!, vector: embedder.embedText('harbour topic 3'), k: 20, efSearch: 40 });
    expect(plan).toContain(`Index Scan using ${state!.indexName}`);

    // One document of 40 (75 of 3,000 points): a plain HNSW scan would return ~3 of its points. At this
    // size the planner filters through the document index; at 100k rows it takes HNSW with pgvector 0.8's
    // iterative scan (checked by hand on the bench database: 20 of 20 rows for a 10% filter).
    const res = await stack.post(`${KB}/collection/search_knowledge`, {
      collection_name: 'dense',
      query: 'harbour topic 3 item',
      limit: 10,
      dense_weight: 1,
      query_param: { doc_filter: { op: 'must', field: 'doc_id', conds: ['d17'] } },
    });
    expect(res.body.data.count).toBe(10);
    expect(new Set(res.body.data.result_list.map((i: any) => i.doc_info.doc_id))).toEqual(new Set(['d17']));
  });
});
