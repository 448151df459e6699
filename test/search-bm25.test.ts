import { DB, Db } from '@fjord/database';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { SearchRepository } from '@fjord/search/retrieval/search.repository';
import { LATEST_LEXICAL_ANALYZER, type LexicalAnalyzerVersion, analyze, lexicalQueryTerms, lexicalTerms } from '@fjord/text';
import { createCollectionDirect, writeDocumentDirect } from './support/direct-points';
import { BACKENDS, TestStack, startTestStack, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';
const K1 = 1.2;
const B = 0.75;

/**
 * BM25 (Lucene's idf with +1) of every document that matches the query, computed here from scratch;
 * a query term counts with its weight from the collection's analyser (its occurrences, times its kind's weight).
 */
function bm25FromScratch(docs: Array<{ id: string; terms: string[] }>, query: string, analyzer: LexicalAnalyzerVersion = LATEST_LEXICAL_ANALYZER): Map<string, number> {
  const n = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.terms.length, 0) / n;
  const qtf = lexicalQueryTerms(query, analyzer);
  const df = new Map([...qtf.keys()].map((term) => [term, docs.filter((x) => x.terms.includes(term)).length]));
  const scores = new Map<string, number>();
  for (const d of docs) {
    let score = 0;
    let matched = false;
    for (const [term, times] of qtf) {
      const tf = d.terms.filter((t) => t === term).length;
      if (tf === 0) continue;
      matched = true;
      const idf = Math.log(1 + (n - (df.get(term) as number) + 0.5) / ((df.get(term) as number) + 0.5));
      score += times * idf * ((tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * d.terms.length) / avgdl)));
    }
    if (matched) scores.set(d.id, score);
  }
  return scores;
}

/**
 * BM25 statistics through add, replace and delete: after every change, the lexical scores that
 * search_knowledge reports (debug) must equal BM25 computed here from scratch over the points the
 * collection holds at that moment (their titles and contents, through the same analyser).
 */
describe.each(BACKENDS)('BM25 statistics (%s)', (backend) => {
  let stack: TestStack;
  const NAME = 'bm25';

  beforeAll(async () => {
    stack = await startTestStack(backend);
    expect((await stack.post(`${KB}/collection/create`, { name: NAME })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function addDoc(docId: string, content: string, collection = NAME) {
    expect((await stack.post(`${KB}/doc/add`, { collection_name: collection, add_type: 'text', doc_id: docId, doc_name: `${docId}.txt`, content })).status).toBe(200);
    expect((await waitForDocument(stack, { collection_name: collection, doc_id: docId })).process_status).toBe(0);
  }

  async function allPoints(collection = NAME): Promise<Array<{ point_id: string; chunk_title: string; content: string }>> {
    const res = await stack.post(`${KB}/point/list`, { collection_name: collection, limit: 100 });
    return res.body.data.point_list;
  }

  /** BM25 (Lucene's idf with +1) of every point for the query, from scratch. */
  function expectedScores(points: Array<{ point_id: string; chunk_title: string; content: string }>, query: string, analyzer: LexicalAnalyzerVersion): Map<string, number> {
    return bm25FromScratch(
      points.map((p) => ({ id: p.point_id, terms: lexicalTerms(`${p.chunk_title}\n${p.content}`, analyzer) })),
      query,
      analyzer,
    );
  }

  async function reportedScores(query: string, collection: string): Promise<Map<string, number>> {
    const res = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: collection, query, limit: 100, dense_weight: 0, debug: true });
    expect(res.status).toBe(200);
    return new Map(res.body.data.result_list.map((i: any) => [i.point_id, i.debug.lexical.score]));
  }

  async function expectBm25(query: string, collection = NAME, analyzer: LexicalAnalyzerVersion = LATEST_LEXICAL_ANALYZER) {
    const expected = expectedScores(await allPoints(collection), query, analyzer);
    const reported = await reportedScores(query, collection);
    expect([...reported.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, score] of expected) expect(reported.get(id)).toBeCloseTo(score, 6);
    return reported;
  }

  const QUERY = 'glacier fjord valley fjord';

  it('scores exactly through add, replace, point edits and delete', async () => {
    await addDoc('a', 'A fjord is a long narrow inlet carved by a glacier.');
    await addDoc('b', 'The valley glacier moved slowly; glaciers carve valleys and fjords over many years.');
    await addDoc('c', 'Bergen sits between seven mountains and is known for rain.');
    const first = await expectBm25(QUERY);
    expect(first.has('c-0')).toBe(false);
    expect(first.size).toBe(2);

    // Replacing a document re-posts its terms: "b" stops matching, "c" (new text) starts.
    await addDoc('b', 'Nothing about ice here: only harbours, ships and trade.');
    await addDoc('c', 'A glacier fed the fjord; the fjord fed the valley below.');
    const replaced = await expectBm25(QUERY);
    expect(replaced.has('b-0')).toBe(false);
    expect(replaced.has('c-0')).toBe(true);

    // A manual point adds a document to N and to the postings; updating it re-posts; deleting removes it.
    const added = await stack.post(`${KB}/point/add`, { collection_name: NAME, doc_id: 'b', content: 'An extra note on the glacier valley.' });
    expect(added.status).toBe(200);
    const extraId = added.body.data.point_id;
    expect((await expectBm25(QUERY)).has(extraId)).toBe(true);
    await stack.post(`${KB}/point/update`, { collection_name: NAME, point_id: extraId, content: 'Now the note is about ships only.' });
    expect((await expectBm25(QUERY)).has(extraId)).toBe(false);
    await stack.post(`${KB}/point/delete`, { collection_name: NAME, point_id: extraId });
    await expectBm25(QUERY);

    // Deleting a document drops its postings and its share of N and the average length.
    expect((await stack.post(`${KB}/doc/delete`, { collection_name: NAME, doc_id: 'a' })).status).toBe(200);
    const afterDelete = await expectBm25(QUERY);
    expect(afterDelete.has('a-0')).toBe(false);
    expect(afterDelete.size).toBe(1);

    const db = stack.app.get<Db>(DB);
    const { rows } = await db.query<{ doc_count: number; total_length: number }>(
      'SELECT s.doc_count, s.total_length FROM lexical_stats s JOIN collections c ON c.id = s.collection_id WHERE c.name = $1',
      [NAME],
    );
    const points = await allPoints();
    expect(Number(rows[0].doc_count)).toBe(points.length);
    expect(Number(rows[0].total_length)).toBe(points.reduce((s, p) => s + lexicalTerms(`${p.chunk_title}\n${p.content}`, LATEST_LEXICAL_ANALYZER).length, 0));
  });

  it('indexes Chinese as bigrams, jieba words and characters, and finds it by keyword or by one character', async () => {
    await addDoc('zh', '知识库检索支持中文关键词搜索，也支持英文。');
    const scores = await expectBm25('中文检索');
    expect([...scores.keys()]).toEqual(['zh-0']);
    // 词 stands only inside 关键词 (a bigram and a jieba word): the single-character term still finds it.
    expect([...(await expectBm25('词')).keys()]).toEqual(['zh-0']);
  });

  it('keeps a collection made before the current analyser on its own: its stored terms and its queries stay version 1', async () => {
    const OLD = 'bm25_v1';
    expect((await stack.post(`${KB}/collection/create`, { name: OLD })).status).toBe(200);
    const db = stack.app.get<Db>(DB);
    // What the migration gives every collection that existed before it.
    await db.query('UPDATE collections SET lexical_analyzer = 1 WHERE name = $1', [OLD]);
    await addDoc('zh', '知识库检索支持中文关键词搜索，也支持英文。', OLD);
    await addDoc('en', 'Glaciers carve fjords.', OLD);
    const { rows } = await db.query<{ term: string }>(
      'SELECT pt.term FROM point_terms pt JOIN collections c ON c.id = pt.collection_id WHERE c.name = $1 ORDER BY pt.term',
      [OLD],
    );
    const stored = [...new Set(rows.map((r) => r.term))].sort();
    expect(stored).toEqual([...new Set([...analyze('zh.txt\n知识库检索支持中文关键词搜索，也支持英文。'), ...analyze('en.txt\nGlaciers carve fjords.')])].sort());
    expect([...(await expectBm25('中文检索', OLD, 1)).keys()]).toEqual(['zh-0']);
    expect([...(await expectBm25('glacier', OLD, 1)).keys()]).toEqual(['en-0']);
    // A new collection gets the latest analyser.
    const { rows: versions } = await db.query<{ name: string; lexical_analyzer: number }>('SELECT name, lexical_analyzer FROM collections WHERE name IN ($1, $2) ORDER BY name', [NAME, OLD]);
    expect(versions).toEqual([
      { name: NAME, lexical_analyzer: LATEST_LEXICAL_ANALYZER },
      { name: OLD, lexical_analyzer: 1 },
    ]);
  });

  it('reads long posting lists through their heads and still returns the exact BM25 top-k', async () => {
    // 1,500 points: "fjord" in all (a long list), "deep" in a third, "moraine" in three, lengths varied.
    const collection = await createCollectionDirect(stack.app, 'long_lists');
    const embedder = new LocalHashEmbedder(64);
    const contents: Array<{ id: string; terms: string[] }> = [];
    for (let d = 0; d < 3; d++) {
      const chunks = Array.from({ length: 500 }, (_, c) => {
        const i = d * 500 + c;
        return [`fjord note ${i}`, i % 3 === 0 ? 'deep water' : 'harbour', i % 500 === 7 ? 'moraine ridge' : '', 'filler '.repeat(i % 11), i % 4 === 0 ? 'fjord' : ''].join(' ');
      });
      contents.push(...chunks.map((content, c) => ({ id: `d${d}-${c}`, terms: analyze(content) })));
      await writeDocumentDirect(stack.app, collection.id, `d${d}`, chunks, embedder);
    }
    const n = contents.length;
    const avgdl = contents.reduce((sum, c) => sum + c.terms.length, 0) / n;
    const expectedTop = (query: string, k: number): number[] =>
      [...bm25FromScratch(contents, query).values()].sort((a, b) => b - a).slice(0, k);

    // On the prototype: every module's SearchRepository instance is observed.
    const heads = jest.spyOn(SearchRepository.prototype, 'postingHeads');
    const lexical = jest.spyOn(SearchRepository.prototype, 'lexical');
    try {
      for (const query of ['moraine fjord', 'deep fjord', 'moraine deep harbour fjord']) {
        lexical.mockClear();
        const res = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'long_lists', query, limit: 10, dense_weight: 0, debug: true });
        expect(res.status).toBe(200);
        const reported: number[] = res.body.data.result_list.map((i: any) => i.debug.lexical.score);
        const expected = expectedTop(query, 10);
        expect(reported).toHaveLength(expected.length);
        reported.forEach((score, i) => expect(score).toBeCloseTo(expected[i], 6));
        // The "fjord" list (1,500 postings) is never scanned whole...
        expect(lexical.mock.calls.every((call) => !call[0].terms.includes('fjord'))).toBe(true);
      }
      // ... but read once as a head (a few postings), then served from the cache.
      expect(heads.mock.calls.flatMap((call) => call[1]).filter((term) => term === 'fjord')).toEqual(['fjord']);
      expect(heads.mock.calls.every((call) => call[2] < 1500)).toBe(true);
      // The heads are cached for this version of the collection: the same query reads none.
      heads.mockClear();
      await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'long_lists', query: 'deep fjord', limit: 10, dense_weight: 0 });
      expect(heads).not.toHaveBeenCalled();
    } finally {
      heads.mockRestore();
      lexical.mockRestore();
    }

    // The full query's two plans (hashed for short lists, merged by point id for long ones) agree
    // with each other and with BM25 from scratch; `postings` is the caller's hint that picks the plan.
    const terms = ['fjord', 'deep', 'harbour'];
    const df = terms.map((t) => contents.filter((c) => c.terms.includes(t)).length);
    const query = {
      collectionId: collection.id,
      terms,
      weights: df.map((d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)) * (K1 + 1)),
      k: 25,
      k1: K1,
      b: B,
      avgdl,
    };
    const repository = stack.app.get(SearchRepository);
    const hashed = await repository.lexical({ ...query, postings: 0 });
    const merged = await repository.lexical({ ...query, postings: 1_000_000 });
    expect(merged.map((c) => c.id)).toEqual(hashed.map((c) => c.id));
    merged.forEach((c, i) => expect(c.score).toBeCloseTo(hashed[i].score, 9));
    expectedTop('fjord deep harbour', 25).forEach((score, i) => expect(merged[i].score).toBeCloseTo(score, 6));
    // Filtered to the best point's document (500 of the 1,500 points): still 25, and that point first.
    const { rows } = await stack.app.get<Db>(DB).query<{ document_id: number }>('SELECT document_id FROM points WHERE id = $1', [merged[0].id]);
    const filtered = await repository.lexical({ ...query, postings: 1_000_000, documentIds: [Number(rows[0].document_id)] });
    expect(filtered).toHaveLength(25);
    expect(filtered[0]).toEqual(merged[0]);
  });

  it('removes every posting and the statistics row with the collection', async () => {
    await stack.post(`${KB}/collection/create`, { name: 'gone' });
    await stack.post(`${KB}/doc/add`, { collection_name: 'gone', add_type: 'text', doc_id: 'x', content: 'glacier glacier fjord' });
    await waitForDocument(stack, { collection_name: 'gone', doc_id: 'x' });
    const db = stack.app.get<Db>(DB);
    const { rows: ids } = await db.query<{ id: number }>("SELECT id FROM collections WHERE name = 'gone'");
    const count = async () =>
      (await db.query<{ n: number }>('SELECT (SELECT count(*) FROM point_terms WHERE collection_id = $1)::int + (SELECT count(*) FROM lexical_stats WHERE collection_id = $1)::int AS n', [ids[0].id])).rows[0].n;
    expect(await count()).toBeGreaterThan(1);
    await stack.post(`${KB}/collection/delete`, { name: 'gone' });
    expect(await count()).toBe(0);
  });
});
