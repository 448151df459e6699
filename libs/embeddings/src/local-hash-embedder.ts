import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import { forEachToken, type TokenKind } from '@fjord/text';
import type { EmbeddingProvider, EmbeddingPurpose, QueryEmbedding } from './embedding-provider';
import { FeatureCounts } from './feature-counts';

/**
 * The offline default embedder: no weights, no network, deterministic across processes and
 * machines. Signed feature hashing ("hashing trick") of three feature families into `dimension`
 * buckets:
 *
 * - terms: what the BM25 analyser emits (stemmed non-stopwords, numbers, CJK bigrams);
 * - phrases: adjacent term pairs (for CJK, overlapping bigram pairs, i.e. character trigrams);
 * - subwords: character 3- to 5-grams of each word with boundary marks (`<running>` gives `<ru`,
 *   `run`, ..., `ng>`), so inflections, compounds and spelling variants still overlap; for CJK,
 *   the single characters, so 检索 and 搜索 share 索.
 *
 * Each feature counts 1 + ln(tf) (no idf: nothing corpus-wide is known here). Each family is
 * L2-normalised on its own and weighted, then the sum is L2-normalised, so the cosine of two
 * vectors is a weighted mix of the three families' cosines. A text without features (empty, only
 * punctuation or stopwords) gets one fixed unit vector instead of a zero vector, which pgvector's
 * cosine distance cannot handle.
 *
 * Weights were set by dense-only retrieval on the eval sets at 384 dimensions (nDCG@10, SciFact /
 * CMRC): terms only 0.438 / 0.706, subwords only 0.439 / 0.739, terms + subwords 0.477 / 0.764;
 * phrases at 0.1 are neutral (0.475 / 0.758) and hurt at 0.5 (0.450 / 0.733), because at this
 * size every extra feature adds collision noise. More dimensions help most: 1024 gives 0.577 / 0.898.
 */
export const LOCAL_FEATURE_WEIGHTS = { terms: 1, phrases: 0.1, subwords: 1 } as const;

const SEED_TERMS = 0x2f1a6b3d;
const SEED_PHRASES = 0x5bd1e995;
const SEED_SUBWORDS = 0x7f4a7c15;
const SEED_EMPTY = 0x1b873593;
const SIGN_SALT = 0x9e3779b9;
const MIN_GRAM = 3;
const MAX_GRAM = 5;
const FNV_PRIME = 0x01000193;
/** ~150 µs a chunk: yielding every 32 keeps an API sharing the process responsive (~5 ms slices). */
const YIELD_EVERY = 32;
const SUBWORD_BASIS = (0x811c9dc5 ^ SEED_SUBWORDS) >>> 0;
const BOUNDARY = 0x1f; // a control character never found in an analysed word stands for '<' and '>'

/** murmur3's 32-bit finaliser: spreads FNV's bits so that `% dimension` and the sign are independent. */
export function fmix32(input: number): number {
  let h = input;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit FNV-1a over UTF-16 code units, seeded per feature family. */
export function fnv1a(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  }
  return h >>> 0;
}

/** Character n-grams (MIN_GRAM..MAX_GRAM) of `<word>`, hashed incrementally: one pass per start. */
function countSubwords(word: string, counts: FeatureCounts): void {
  const length = word.length + 2;
  for (let start = 0; start + MIN_GRAM <= length; start++) {
    let h = SUBWORD_BASIS;
    const end = Math.min(length, start + MAX_GRAM);
    for (let i = start; i < end; i++) {
      const code = i === 0 || i === length - 1 ? BOUNDARY : word.charCodeAt(i - 1);
      h = Math.imul(h ^ code, FNV_PRIME);
      if (i - start + 1 >= MIN_GRAM) counts.add(h);
    }
  }
}

/** The three feature families of one text, as hash -> count multisets (reused between texts). */
export class FeatureExtractor {
  readonly terms = new FeatureCounts();
  readonly phrases = new FeatureCounts();
  readonly subwords = new FeatureCounts();
  private previous = 0;
  private first = true;
  private readonly visit = (term: string, kind: TokenKind, surface: string): void => {
    const termHash = fnv1a(term, SEED_TERMS);
    this.terms.add(termHash);
    if (!this.first) this.phrases.add(Math.imul(this.previous ^ SEED_PHRASES, FNV_PRIME) ^ termHash);
    this.first = false;
    this.previous = termHash;
    if (kind === 'word') {
      countSubwords(surface, this.subwords);
    } else if (kind === 'cjk') {
      for (const char of surface) this.subwords.add(fnv1a(char, SEED_SUBWORDS));
    }
  };

  extract(text: string): this {
    this.terms.clear();
    this.phrases.clear();
    this.subwords.clear();
    this.first = true;
    forEachToken(text, this.visit);
    return this;
  }
}

export class LocalHashEmbedder implements EmbeddingProvider {
  readonly model = LOCAL_EMBEDDING_MODEL;
  readonly worthCaching = false;
  private readonly scratch: Float64Array;
  private readonly sum: Float64Array;
  private readonly features = new FeatureExtractor();

  constructor(readonly dimension: number) {
    if (!Number.isInteger(dimension) || dimension < 8) {
      throw new RangeError(`local embedding dimension must be an integer >= 8, got ${dimension}`);
    }
    this.scratch = new Float64Array(dimension);
    this.sum = new Float64Array(dimension);
  }

  /** Same vector for both purposes. Yields to the event loop between slices of a large batch. */
  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      vectors.push(this.embedText(texts[i]));
    }
    return vectors;
  }

  /** No model, so no reported usage: callers count the query themselves. */
  embedQuery(text: string): Promise<QueryEmbedding> {
    return Promise.resolve({ vector: this.embedText(text) });
  }

  /** Synchronous core of `embed`: one L2-normalised vector. */
  embedText(text: string): number[] {
    const features = this.features.extract(text);
    const sum = this.sum;
    sum.fill(0);
    this.addFamily(features.terms, LOCAL_FEATURE_WEIGHTS.terms);
    this.addFamily(features.phrases, LOCAL_FEATURE_WEIGHTS.phrases);
    this.addFamily(features.subwords, LOCAL_FEATURE_WEIGHTS.subwords);
    let norm = 0;
    for (let i = 0; i < sum.length; i++) norm += sum[i] * sum[i];
    if (norm === 0) {
      // No features at all: a fixed unit vector, the same for every such text.
      sum[fmix32(SEED_EMPTY) % this.dimension] = 1;
      norm = 1;
    }
    const scale = 1 / Math.sqrt(norm);
    const vector = new Array<number>(sum.length);
    for (let i = 0; i < sum.length; i++) vector[i] = Math.fround(sum[i] * scale);
    return vector;
  }

  private addFamily(counts: FeatureCounts, weight: number): void {
    if (counts.size === 0) return;
    const scratch = this.scratch;
    const dimension = this.dimension;
    scratch.fill(0);
    counts.forEach((feature, tf) => {
      const h = fmix32(feature);
      const sign = fmix32(h ^ SIGN_SALT) & 1 ? 1 : -1;
      scratch[h % dimension] += sign * (1 + Math.log(tf));
    });
    let norm = 0;
    for (let i = 0; i < scratch.length; i++) norm += scratch[i] * scratch[i];
    if (norm === 0) return;
    const scale = weight / Math.sqrt(norm);
    for (let i = 0; i < scratch.length; i++) this.sum[i] += scratch[i] * scale;
  }
}
