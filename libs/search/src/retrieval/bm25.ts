import { analyze } from '@fjord/text';
import type { LexicalStats, SearchRepository } from './search.repository';

/** Lucene's BM25 idf: never negative, so a term in most documents still counts a little. */
export function idf(docCount: number, df: number): number {
  return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
}

/** Query term -> how often it occurs in the query (a repeated term counts once per repeat). */
export function queryTerms(query: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of analyze(query)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

/** Terms cached per collection before the cache is emptied (bounds memory on odd workloads). */
const MAX_CACHED_TERMS = 100_000;

/**
 * Document frequencies per collection, valid for one lexical_stats.version: each search reads the
 * version (one primary-key row) and counts posting lists only for terms it has not seen at that
 * version. Counting a common term's posting list is the most expensive part of a BM25 query, and
 * a corpus that is not being written to never needs it twice.
 */
export class DocumentFrequencies {
  private readonly byCollection = new Map<number, { version: number; df: Map<string, number> }>();

  constructor(private readonly repository: Pick<SearchRepository, 'lexicalStats'>) {}

  async stats(collectionId: number, terms: string[]): Promise<LexicalStats> {
    const cached = this.byCollection.get(collectionId);
    const missing = cached ? terms.filter((t) => !cached.df.has(t)) : terms;
    let stats = await this.repository.lexicalStats(collectionId, missing);
    let entry = cached;
    if (!entry || entry.version !== stats.version) {
      if (missing.length !== terms.length) stats = await this.repository.lexicalStats(collectionId, terms);
      entry = { version: stats.version, df: new Map() };
      this.byCollection.set(collectionId, entry);
    }
    if (entry.df.size + stats.df.size > MAX_CACHED_TERMS) entry.df.clear();
    for (const [term, df] of stats.df) entry.df.set(term, df);
    const df = new Map(terms.map((t) => [t, (entry as { df: Map<string, number> }).df.get(t) ?? 0]));
    return { ...stats, df };
  }
}
