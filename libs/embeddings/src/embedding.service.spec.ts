import type { EmbeddingCacheEntry } from './embedding-cache.repository';
import type { EmbeddingProvider, EmbeddingPurpose, QueryEmbedding } from './embedding-provider';
import { EmbeddingService, textHash, type EmbeddingCache } from './embedding.service';
import { LocalHashEmbedder } from './local-hash-embedder';

/** The cache repository's contract over a Map, recording what it was asked. */
class InMemoryEmbeddingCache implements EmbeddingCache {
  readonly rows = new Map<string, number[]>();
  readonly lookups: string[][] = [];
  readonly writes: EmbeddingCacheEntry[][] = [];

  async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
    this.lookups.push([...hashes]);
    const found = new Map<string, number[]>();
    for (const hash of hashes) {
      const vector = this.rows.get(`${model}/${hash}`);
      if (vector) found.set(hash, vector);
    }
    return found;
  }

  async putMany(model: string, entries: readonly EmbeddingCacheEntry[]): Promise<void> {
    this.writes.push([...entries]);
    for (const entry of entries) {
      if (!this.rows.has(`${model}/${entry.hash}`)) this.rows.set(`${model}/${entry.hash}`, entry.embedding);
    }
  }
}

/** A provider whose vectors identify their text, recording every call. */
class RecordingProvider implements EmbeddingProvider {
  readonly model = 'recording-model';
  readonly dimension = 2;
  readonly worthCaching = true;
  readonly calls: Array<{ texts: string[]; purpose: EmbeddingPurpose }> = [];

  async embed(texts: string[], purpose: EmbeddingPurpose): Promise<number[][]> {
    this.calls.push({ texts: [...texts], purpose });
    return texts.map((text) => [text.length, text.charCodeAt(0)]);
  }

  /** Reports one prompt token per character, as a model server would report its own count. */
  async embedQuery(text: string): Promise<QueryEmbedding> {
    const [vector] = await this.embed([text], 'query');
    return { vector, promptTokens: text.length };
  }
}

const vectorOf = (text: string): number[] => [text.length, text.charCodeAt(0)];

describe('EmbeddingService', () => {
  let provider: RecordingProvider;
  let cache: InMemoryEmbeddingCache;
  let service: EmbeddingService;

  beforeEach(() => {
    provider = new RecordingProvider();
    cache = new InMemoryEmbeddingCache();
    service = new EmbeddingService(provider, cache);
  });

  it('embeds only cache misses, writes them back, and returns vectors in input order', async () => {
    await service.embedDocuments(['alpha', 'beta']);
    provider.calls.length = 0;

    const result = await service.embedDocuments(['beta', 'gamma', 'alpha', 'delta']);

    expect(result).toEqual({ vectors: ['beta', 'gamma', 'alpha', 'delta'].map(vectorOf), embeddedCount: 2 });
    expect(provider.calls).toEqual([{ texts: ['gamma', 'delta'], purpose: 'document' }]);
    expect(cache.writes.at(-1)?.map((entry) => entry.hash)).toEqual([textHash('gamma'), textHash('delta')]);
    expect(cache.rows.get(`recording-model/${textHash('delta')}`)).toEqual(vectorOf('delta'));
  });

  it('makes one lookup for the distinct hashes and embeds a repeated text once', async () => {
    const result = await service.embedDocuments(['same', 'other', 'same']);
    expect(cache.lookups).toEqual([[textHash('same'), textHash('other')]]);
    expect(provider.calls).toEqual([{ texts: ['same', 'other'], purpose: 'document' }]);
    expect(result).toEqual({ vectors: ['same', 'other', 'same'].map(vectorOf), embeddedCount: 2 });
  });

  it('sends nothing to the provider when everything is cached', async () => {
    await service.embedDocuments(['a', 'b']);
    provider.calls.length = 0;
    expect(await service.embedDocuments(['b', 'a'])).toEqual({ vectors: [vectorOf('b'), vectorOf('a')], embeddedCount: 0 });
    expect(provider.calls).toHaveLength(0);
  });

  it('embeds and writes back misses slice by slice, keeping finished slices when a later one fails', async () => {
    service = new EmbeddingService(provider, cache, { sliceSize: 2 });
    const failing = jest.spyOn(provider, 'embed');
    failing.mockImplementationOnce((texts) => Promise.resolve(texts.map(vectorOf)));
    failing.mockRejectedValueOnce(new Error('upstream down'));

    await expect(service.embedDocuments(['t1', 't2', 't3'])).rejects.toThrow('upstream down');
    expect(cache.writes).toEqual([[{ hash: textHash('t1'), embedding: vectorOf('t1') }, { hash: textHash('t2'), embedding: vectorOf('t2') }]]);

    failing.mockRestore();
    expect((await service.embedDocuments(['t1', 't2', 't3'])).embeddedCount).toBe(1);
  });

  it('treats cached vectors of another dimension as misses', async () => {
    cache.rows.set(`recording-model/${textHash('stale')}`, [1, 2, 3]);
    const result = await service.embedDocuments(['stale']);
    expect(result).toEqual({ vectors: [vectorOf('stale')], embeddedCount: 1 });
  });

  it('returns nothing for no texts without touching cache or provider', async () => {
    expect(await service.embedDocuments([])).toEqual({ vectors: [], embeddedCount: 0 });
    expect(cache.lookups).toHaveLength(0);
    expect(provider.calls).toHaveLength(0);
  });

  it('embeds queries with purpose "query" and keeps recent ones in an LRU', async () => {
    service = new EmbeddingService(provider, cache, { queryCacheSize: 2 });
    expect(await service.embedQuery('q1')).toEqual({ vector: vectorOf('q1'), promptTokens: 2 });
    await service.embedQuery('q2');
    // A hit asks no model, so it has no reported usage (search counts the query itself then).
    expect(await service.embedQuery('q1')).toEqual({ vector: vectorOf('q1') }); // hit: q1 becomes most recent
    await service.embedQuery('q3'); // evicts q2
    await service.embedQuery('q1'); // still cached
    await service.embedQuery('q2'); // evicted: embedded again
    expect(provider.calls).toEqual([
      { texts: ['q1'], purpose: 'query' },
      { texts: ['q2'], purpose: 'query' },
      { texts: ['q3'], purpose: 'query' },
      { texts: ['q2'], purpose: 'query' },
    ]);
    expect(cache.lookups).toHaveLength(0);
  });

  it('works end to end with the local embedder, which bypasses the cache (recomputing is cheaper)', async () => {
    service = new EmbeddingService(new LocalHashEmbedder(32), cache);
    const first = await service.embedDocuments(['知识库', 'knowledge base', '知识库']);
    const second = await service.embedDocuments(['knowledge base']);
    expect(first.embeddedCount).toBe(2); // identical texts in one call are still embedded once
    expect(first.vectors[2]).toBe(first.vectors[0]);
    expect(second).toEqual({ vectors: [first.vectors[1]], embeddedCount: 1 });
    expect(cache.lookups).toHaveLength(0);
    expect(cache.rows.size).toBe(0);
    expect(service.model).toBe('fjord-local-hash-v1');
    expect(service.dimension).toBe(32);
  });
});
