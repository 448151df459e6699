import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import type { Candidate } from './search.repository';

/** A signal's view of one point: 1-based rank in that signal's list and its raw score. */
export interface SignalScore {
  rank: number;
  score: number;
}

export interface Fused {
  id: number;
  /** The fused score (0..1 for blend; the RRF sum for rrf). */
  score: number;
  dense?: SignalScore;
  lexical?: SignalScore;
}

export type FusionMethod = 'blend' | 'rrf';

/** The method search uses (see `fuse`); `rrf` stays for the eval's comparison. */
export const FUSION_METHOD: FusionMethod = 'blend';

/** RRF's usual constant (Cormack et al., 2009): damps the head so one signal cannot dominate. */
export const RRF_K = 60;

function ranked(list: Candidate[]): Map<number, SignalScore> {
  return new Map(list.map((c, i) => [c.id, { rank: i + 1, score: c.score }]));
}

/** How each signal's raw scores are mapped before blending (the eval's fusion study compares them). */
export interface Normalisation {
  dense: 'minmax' | 'raw';
  lexical: 'minmax' | 'max';
}

export const DEFAULT_NORMALISATION: Normalisation = { dense: 'raw', lexical: 'minmax' };

/** score / best score: keeps how far the weaker candidates are from zero. */
function byMax(list: Candidate[]): (score: number) => number {
  const hi = list.reduce((m, c) => Math.max(m, c.score), 0);
  return hi > 0 ? (s) => s / hi : () => 0;
}

/** Min-max to [0, 1] over the list; a list of equal scores maps to 1 (all equally good). */
function minMax(list: Candidate[]): (score: number) => number {
  if (list.length === 0) return () => 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of list) {
    lo = Math.min(lo, c.score);
    hi = Math.max(hi, c.score);
  }
  return hi > lo ? (s) => (s - lo) / (hi - lo) : () => 1;
}

/**
 * Fuses the dense and lexical candidate lists, weighted by `denseWeight` (0 = lexical only,
 * 1 = dense only), best first; ties broken by point id so results are deterministic.
 *
 * - `blend` (default): `w * dense + (1 - w) * lexical`, where dense is the cosine similarity as it
 *   is (clamped at 0) and lexical is BM25 min-max normalised over its candidates (BM25 has no
 *   absolute scale; cosine has one). A point missing from a list gets 0 from it.
 * - `rrf`: weighted reciprocal-rank fusion, `w / (60 + rank_dense) + (1 - w) / (60 + rank_lexical)`.
 *
 * Chosen by the eval's fusion study (`npm run eval -- --fusion-study`, docs/benchmarks.md): at
 * w = 0.5, raw-cosine blend scores SciFact 0.698 / CMRC 0.987 nDCG@10, min-max on both signals
 * 0.653 / 0.978, RRF 0.606 / 0.934. Min-max stretches the dense list's narrow spread (the local
 * embedder's top cosines differ by a few hundredths) to the full 0..1, so noise in the weaker
 * signal outvotes a clear BM25 winner; RRF throws away how far ahead a strong BM25 hit is.
 */
export function fuse(
  dense: Candidate[],
  lexical: Candidate[],
  denseWeight: number,
  method: FusionMethod = FUSION_METHOD,
  normalisation: Normalisation = DEFAULT_NORMALISATION,
): Fused[] {
  const denseRanks = ranked(dense);
  const lexicalRanks = ranked(lexical);
  const ids = new Set<number>();
  if (denseWeight > 0) dense.forEach((c) => ids.add(c.id));
  if (denseWeight < 1) lexical.forEach((c) => ids.add(c.id));
  const normDense = normalisation.dense === 'raw' ? (x: number) => Math.max(0, x) : minMax(dense);
  const normLexical = normalisation.lexical === 'max' ? byMax(lexical) : minMax(lexical);
  const fused: Fused[] = [];
  for (const id of ids) {
    const d = denseRanks.get(id);
    const l = lexicalRanks.get(id);
    const score =
      method === 'rrf'
        ? (d ? denseWeight / (RRF_K + d.rank) : 0) + (l ? (1 - denseWeight) / (RRF_K + l.rank) : 0)
        : (d ? denseWeight * normDense(d.score) : 0) + (l ? (1 - denseWeight) * normLexical(l.score) : 0);
    fused.push({ id, score, ...(d ? { dense: d } : {}), ...(l ? { lexical: l } : {}) });
  }
  return fused.sort((a, b) => b.score - a.score || a.id - b.id);
}

/**
 * The dense weight of a search that gives none, by the embedder that served the collection. The
 * local hashing embedder matches words, not meaning, so it is a second lexical signal that should
 * only nudge BM25; a learned model carries meaning BM25 cannot see and gets an equal share.
 * Chosen by the fusion study per embedder (docs/benchmarks.md, "Fusion weight per embedder").
 */
export const LOCAL_DENSE_WEIGHT = 0.3;
export const LEARNED_DENSE_WEIGHT = 0.5;

export function defaultDenseWeight(embeddingModel: string): number {
  return embeddingModel === LOCAL_EMBEDDING_MODEL ? LOCAL_DENSE_WEIGHT : LEARNED_DENSE_WEIGHT;
}
