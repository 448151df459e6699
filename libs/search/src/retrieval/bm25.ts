import { type LexicalAnalyzerVersion, lexicalQueryTerms } from '@fjord/text';
import type { Candidate, LexicalQuery, LexicalStats, SearchRepository } from './search.repository';

/** Lucene's BM25 idf: never negative, so a term in most documents still counts a little. */
export function idf(docCount: number, df: number): number {
  return Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
}

/**
 * Query term -> its weight, analysed as the collection's terms were (its lexical analyser version):
 * under version 1 how often it occurs in the query, under version 2 once (`lexicalQueryTerms`).
 */
export function queryTerms(query: string, analyzer: LexicalAnalyzerVersion = 1): Map<string, number> {
  return lexicalQueryTerms(query, analyzer);
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
      // Counted while the hidden points changed: this query's only (the next one reads them again).
      if (!stats.settled) return stats;
      entry = { version: stats.version, df: new Map() };
      this.byCollection.set(collectionId, entry);
    } else if (!stats.settled) {
      const known = entry.df;
      return { ...stats, df: new Map(terms.map((t) => [t, known.get(t) ?? stats.df.get(t) ?? 0])) };
    }
    if (entry.df.size + stats.df.size > MAX_CACHED_TERMS) entry.df.clear();
    for (const [term, df] of stats.df) entry.df.set(term, df);
    const df = new Map(terms.map((t) => [t, (entry as { df: Map<string, number> }).df.get(t) ?? 0]));
    return { ...stats, df };
  }
}

/** Tunables of pruned BM25 (tests shrink them to fit small corpora). */
export interface PruningOptions {
  /** A posting list longer than this is "long": read through its cached head, never scanned. */
  minLongList: number;
  /** The smallest head kept per long term. */
  minHead: number;
}

export const DEFAULT_PRUNING: PruningOptions = { minLongList: 1000, minHead: 64 };
/** A head holds this many times k postings: deep enough that the bound below usually proves the top-k. */
const HEAD_FACTOR = 4;
/** A list counts as long only when it is this many times longer than the head read from it. */
const LONG_LIST_FACTOR = 4;
/** Short terms contribute this many times k candidates. */
const CANDIDATE_FACTOR = 2;
/** Step 2 of prunedLexical runs when the long lists' frontiers are at most this share of the outside bound... */
const MAX_LONG_SHARE = 0.1;
/** ... and looks up at most this many contenders. */
const MAX_CONTENDERS = 2000;
/** Relative slack for float sums computed in a different order (Postgres vs here). */
const TIE_TOLERANCE = 1e-9;

/** The best postings of each term, best first: `score` is the term's BM25 factor tf / (tf + k1 * norm). */
export type HeadsOf = (terms: string[], limit: number) => Promise<Map<string, Candidate[]>>;

/**
 * BM25 top-k without scanning long posting lists, after Fagin's threshold algorithms with one round
 * of sorted access. The candidates are the top of the short lists (scanned) and each long list's
 * head (its best postings by term score, cached per collection version: PostingHeads). What was
 * read gives every candidate a lower bound (the contributions seen) and an upper bound (plus the
 * most each unseen contribution can be: a short-list top's weakest score, a head's last term
 * score); a point outside the candidates is bounded by those maxima alone. Then, cheapest first:
 * 1. the k best lower bounds beat every other upper bound: the top-k set is proven, and only its
 *    members' exact scores are looked up (primary-key lookups, lexicalFor);
 * 2. else, when the long lists can add little (their frontiers are under a tenth of the outside
 *    bound), the exact scores of the candidates whose upper bound reaches the outside bound are
 *    looked up (no other candidate can be in a proven top-k), and the k-th must reach it: this
 *    proves ties in the short lists, decided by tiny long-term contributions;
 * 3. else the full query runs.
 * The result has the exact BM25 score at every rank; among points tied with the k-th score those
 * found are kept (the full query would break that tie by point id). Long lists are mostly
 * function-like words whose postings all score alike, which is what makes shallow heads enough.
 * Filtered queries take the full query (its join to documents applies the filter before the limit).
 */
export async function prunedLexical(
  repository: Pick<SearchRepository, 'lexical' | 'lexicalFor'>,
  headsOf: HeadsOf,
  query: LexicalQuery,
  df: Map<string, number>,
  options: PruningOptions = DEFAULT_PRUNING,
): Promise<Candidate[]> {
  if (query.documentIds !== undefined) return repository.lexical(query);
  const headSize = Math.max(options.minHead, HEAD_FACTOR * query.k);
  const longList = Math.max(options.minLongList, LONG_LIST_FACTOR * headSize);
  const terms = query.terms.map((term, i) => ({ term, weight: query.weights[i], df: df.get(term) ?? 0 }));
  const long = terms.filter((t) => t.df > longList);
  if (long.length === 0) return repository.lexical(query);
  const short = terms.filter((t) => t.df <= longList);

  const limit = CANDIDATE_FACTOR * query.k;
  const [shortTop, heads] = await Promise.all([
    short.length > 0
      ? repository.lexical({ ...query, terms: short.map((t) => t.term), weights: short.map((t) => t.weight), k: limit, postings: short.reduce((sum, t) => sum + t.df, 0) })
      : Promise.resolve([]),
    headsOf(
      long.map((t) => t.term),
      headSize,
    ),
  ]);
  const { ranked, unseen, longShare } = boundCandidates(shortTop, limit, long, heads, headSize);
  const kth = ranked[query.k - 1];
  // 1. The candidates' known parts alone prove the top-k set: look up only its members' scores.
  let rest = unseen;
  for (let i = query.k; i < ranked.length; i++) rest = Math.max(rest, ranked[i].upper);
  if (rest === 0 || (kth !== undefined && kth.lower >= rest * (1 - TIE_TOLERANCE))) {
    return exactTop(repository, query, ranked.slice(0, query.k).map((c) => c.id));
  }
  // 2. Exact scores may still prove it when the long lists can add little to any score: ties in
  // the short lists (points with the same tf and length) are then decided by small long-term
  // contributions that only lookups know. Only candidates whose upper bound reaches the outside
  // bound can be in a proven top-k, so only they are looked up. Where long terms carry real weight
  // (mid-frequency terms), the lookups almost never proved anything (4 of 660 queries on the
  // 100k-chunk bench, ~2.5 ms each), so that case goes straight to the full query.
  const contenders = ranked.filter((c) => c.upper >= unseen * (1 - TIE_TOLERANCE));
  if (longShare <= MAX_LONG_SHARE && contenders.length >= query.k && contenders.length <= MAX_CONTENDERS) {
    const exact = await exactTop(repository, query, contenders.map((c) => c.id));
    if (exact[query.k - 1].score >= unseen * (1 - TIE_TOLERANCE)) return exact.slice(0, query.k);
  }
  // 3. A point outside the candidates could still win.
  return repository.lexical(query);
}

interface Bounded {
  id: number;
  /** The contributions known exactly: short terms when the point is among the short-list top, long terms whose head holds it. */
  lower: number;
  /** lower plus the most each unknown contribution can be. */
  upper: number;
}

/**
 * Lower and upper bounds of every candidate's score from what was read (no random access), sorted
 * by lower bound, and the bound for a point outside the candidates: a truncated short-list top's
 * weakest score plus each truncated head's frontier (a list read to its end adds nothing).
 */
function boundCandidates(
  shortTop: Candidate[],
  limit: number,
  long: Array<{ term: string; weight: number }>,
  heads: Map<string, Candidate[]>,
  headSize: number,
): { ranked: Bounded[]; unseen: number; longShare: number } {
  const shortFrontier = shortTop.length === limit ? shortTop[limit - 1].score : 0;
  const known = new Map<number, number>(shortTop.map((c) => [c.id, c.score]));
  const inShortTop = new Set(known.keys());
  const frontiers = long.map((t) => {
    const head = heads.get(t.term) ?? [];
    return head.length >= headSize ? t.weight * head[head.length - 1].score : 0;
  });
  const inHead = long.map((t) => new Set((heads.get(t.term) ?? []).map((posting) => posting.id)));
  long.forEach((t) => {
    for (const posting of heads.get(t.term) ?? []) known.set(posting.id, (known.get(posting.id) ?? 0) + t.weight * posting.score);
  });
  const ranked = [...known].map(([id, lower]) => {
    let upper = lower + (inShortTop.has(id) ? 0 : shortFrontier);
    frontiers.forEach((frontier, i) => {
      if (!inHead[i].has(id)) upper += frontier;
    });
    return { id, lower, upper };
  });
  ranked.sort((a, b) => b.lower - a.lower || a.id - b.id);
  const longFrontier = frontiers.reduce((sum, f) => sum + f, 0);
  const unseen = shortFrontier + longFrontier;
  return { ranked, unseen, longShare: unseen > 0 ? longFrontier / unseen : 0 };
}

/** Exact scores of the given points, by primary-key lookups, best first (ties by id). */
async function exactTop(repository: Pick<SearchRepository, 'lexicalFor'>, query: LexicalQuery, ids: number[]): Promise<Candidate[]> {
  const scores = await repository.lexicalFor(query, ids);
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id);
}

/** Postings kept in all cached heads together before the cache is emptied (~50 MB). */
const MAX_CACHED_POSTINGS = 1_000_000;

/**
 * Heads of long posting lists, cached per collection for one lexical_stats.version (the version
 * fixes N and avgdl, and so every term score). Reading a head sorts its whole list once; every
 * later query at that version costs nothing here. A head read while the collection changed (its
 * statement saw another version, or other hidden points than it was given) is used once and not kept.
 */
export class PostingHeads {
  /** Per collection, one version's heads; each head remembers the limit it was read with. */
  private readonly byCollection = new Map<number, { version: number; heads: Map<string, { limit: number; postings: Candidate[] }> }>();
  private cachedPostings = 0;

  constructor(
    private readonly repository: Pick<SearchRepository, 'postingHeads'>,
    private readonly maxCachedPostings = MAX_CACHED_POSTINGS,
  ) {}

  async get(query: Pick<LexicalQuery, 'collectionId' | 'k1' | 'b' | 'avgdl'>, version: number, terms: string[], limit: number): Promise<Map<string, Candidate[]>> {
    let entry = this.byCollection.get(query.collectionId);
    if (!entry || entry.version !== version) {
      for (const head of entry?.heads.values() ?? []) this.cachedPostings -= head.postings.length;
      entry = { version, heads: new Map() };
      this.byCollection.set(query.collectionId, entry);
    }
    const cached = entry.heads;
    const out = new Map<string, Candidate[]>();
    const missing: string[] = [];
    for (const term of terms) {
      const head = cached.get(term);
      if (head && head.limit >= limit) out.set(term, head.postings.slice(0, limit));
      else missing.push(term);
    }
    if (missing.length === 0) return out;
    const read = await this.repository.postingHeads(query, missing, limit);
    if (read.version === version) {
      const adding = missing.reduce((sum, term) => sum + (read.heads.get(term)?.length ?? 0), 0);
      if (this.cachedPostings + adding > this.maxCachedPostings) {
        for (const other of this.byCollection.values()) other.heads.clear();
        this.cachedPostings = 0;
      }
      for (const term of missing) {
        const postings = read.heads.get(term) ?? [];
        this.cachedPostings += postings.length - (cached.get(term)?.postings.length ?? 0);
        cached.set(term, { limit, postings });
      }
    }
    for (const term of missing) out.set(term, read.heads.get(term) ?? []);
    return out;
  }
}
