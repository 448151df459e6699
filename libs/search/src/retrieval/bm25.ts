import { analyze } from '@fjord/text';
import type { Candidate, LexicalQuery, LexicalStats, SearchRepository } from './search.repository';

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

/** A term in more than this share of a collection's points is "common" for pruning. */
export const COMMON_TERM_SHARE = 0.2;
/** Phase one keeps this many times k candidates, so the exactness check passes more often. */
const CANDIDATE_FACTOR = 2;

/**
 * Exact BM25 top-k with MaxScore-style pruning. Posting lists of very common terms are long and add
 * little (their idf is small), yet scanning them dominates a query's cost. So: score the top
 * candidates on the rare terms only, then add the common terms' contributions for just those
 * candidates by key lookup. Any point's common-term contribution is below the sum of those terms'
 * weights (each posting adds weight * tf / (tf + ...) < weight), so when the k-th full score beats
 * what any unseen point could reach, the result is exactly the unpruned one; otherwise the full
 * query runs. Ties at the boundary take the full query too (strict comparison).
 */
export async function prunedLexical(
  repository: Pick<SearchRepository, 'lexical' | 'lexicalFor'>,
  query: LexicalQuery,
  df: Map<string, number>,
  docCount: number,
): Promise<Candidate[]> {
  const common = query.terms.map((term, i) => ({ term, weight: query.weights[i] })).filter(({ term }) => (df.get(term) ?? 0) > COMMON_TERM_SHARE * docCount);
  if (common.length === 0 || common.length === query.terms.length) return repository.lexical(query);
  const commonSet = new Set(common.map((c) => c.term));
  const rare = query.terms.map((term, i) => ({ term, weight: query.weights[i] })).filter(({ term }) => !commonSet.has(term));
  const limit = query.k * CANDIDATE_FACTOR;
  const candidates = await repository.lexical({ ...query, terms: rare.map((r) => r.term), weights: rare.map((r) => r.weight), k: limit });
  const extra = await repository.lexicalFor(
    { ...query, terms: common.map((c) => c.term), weights: common.map((c) => c.weight) },
    candidates.map((c) => c.id),
  );
  const full = candidates.map((c) => ({ id: c.id, score: c.score + (extra.get(c.id) ?? 0) })).sort((a, b) => b.score - a.score || a.id - b.id);
  const commonBound = common.reduce((sum, c) => sum + c.weight, 0);
  // Points outside the candidates scored at most the weakest candidate on rare terms (or nothing).
  const unseenBound = (candidates.length === limit ? candidates[candidates.length - 1].score : 0) + commonBound;
  const kth = full[Math.min(query.k, full.length) - 1];
  if (full.length >= query.k && kth.score > unseenBound) return full.slice(0, query.k);
  return repository.lexical(query);
}
