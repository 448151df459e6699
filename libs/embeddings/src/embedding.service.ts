import { createHash } from 'node:crypto';
import type { EmbeddingCacheRepository } from './embedding-cache.repository';
import type { EmbeddingProvider, QueryEmbedding } from './embedding-provider';

/** The cache methods the service uses (the repository, or an in-memory fake in tests). */
export type EmbeddingCache = Pick<EmbeddingCacheRepository, 'getMany' | 'putMany'>;

export interface EmbedDocumentsResult {
  /** One vector per input text, in input order. */
  vectors: number[][];
  /** Distinct texts that missed the cache and were sent to the provider. */
  embeddedCount: number;
}

export interface EmbeddingServiceOptions {
  /** Misses are embedded and written back in slices of this size, so a failure keeps the progress. */
  sliceSize?: number;
  /** Query vectors kept in memory (LRU). */
  queryCacheSize?: number;
}

export function textHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Embeds chunks through the cache (model + sha256 of the text) when the provider is worth caching,
 * and queries through a small in-memory LRU. Identical texts in one call are embedded once.
 */
export class EmbeddingService {
  private readonly sliceSize: number;
  private readonly queryCacheSize: number;
  /** Map iteration order is insertion order: the first key is the least recently used. */
  private readonly queryCache = new Map<string, number[]>();

  constructor(
    private readonly provider: EmbeddingProvider,
    private readonly cache: EmbeddingCache,
    options: EmbeddingServiceOptions = {},
  ) {
    this.sliceSize = options.sliceSize ?? 256;
    this.queryCacheSize = options.queryCacheSize ?? 1000;
  }

  get model(): string {
    return this.provider.model;
  }

  /** Vector length; undefined for a remote model that has not answered yet. */
  get dimension(): number | undefined {
    return this.provider.dimension;
  }

  async embedDocuments(texts: readonly string[]): Promise<EmbedDocumentsResult> {
    if (texts.length === 0) return { vectors: [], embeddedCount: 0 };
    if (!this.provider.worthCaching) return this.embedUncached(texts);
    const model = this.provider.model;
    const hashes = texts.map(textHash);
    const byHash = await this.cache.getMany(model, [...new Set(hashes)]);
    this.dropWrongDimension(byHash);

    const missing = new Map<string, string>(); // hash -> text, first occurrence wins
    hashes.forEach((hash, i) => {
      if (!byHash.has(hash) && !missing.has(hash)) missing.set(hash, texts[i]);
    });
    const misses = [...missing];
    for (let start = 0; start < misses.length; start += this.sliceSize) {
      const slice = misses.slice(start, start + this.sliceSize);
      const vectors = await this.provider.embed(
        slice.map(([, text]) => text),
        'document',
      );
      const entries = slice.map(([hash], i) => ({ hash, embedding: vectors[i] }));
      await this.cache.putMany(model, entries);
      for (const entry of entries) byHash.set(entry.hash, entry.embedding);
    }
    return { vectors: hashes.map((hash) => byHash.get(hash) as number[]), embeddedCount: misses.length };
  }

  /** Each distinct text embedded once, no cache (a provider not worth caching). */
  private async embedUncached(texts: readonly string[]): Promise<EmbedDocumentsResult> {
    const distinct = [...new Set(texts)];
    const vectors = await this.provider.embed(distinct, 'document');
    const byText = new Map(distinct.map((text, i) => [text, vectors[i]]));
    return { vectors: texts.map((text) => byText.get(text) as number[]), embeddedCount: distinct.length };
  }

  /** A query's vector; `promptTokens` only when the model was asked and reported them (not on a cache hit). */
  async embedQuery(text: string): Promise<QueryEmbedding> {
    const cached = this.queryCache.get(text);
    if (cached) {
      this.queryCache.delete(text);
      this.queryCache.set(text, cached);
      return { vector: cached };
    }
    const embedded = await this.provider.embedQuery(text);
    this.queryCache.set(text, embedded.vector);
    if (this.queryCache.size > this.queryCacheSize) {
      this.queryCache.delete(this.queryCache.keys().next().value as string);
    }
    return embedded;
  }

  /**
   * The local model's name does not change with LOCAL_EMBEDDING_DIMENSION, so a cache entry of
   * another length is stale: treat it as a miss (the new vector cannot replace it, which only
   * costs re-embedding that text).
   */
  private dropWrongDimension(byHash: Map<string, number[]>): void {
    const dimension = this.provider.dimension;
    if (dimension === undefined) return;
    for (const [hash, vector] of byHash) {
      if (vector.length !== dimension) byHash.delete(hash);
    }
  }
}
