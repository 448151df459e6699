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
 * - `blend` (default): each signal's scores are min-max normalised over its candidates, then
 *   `w * dense + (1 - w) * lexical` (a point missing from a list gets 0 from it). Chosen by the eval
 *   (docs/benchmarks.md, "Retrieval quality"): it keeps how far ahead a strong BM25 hit is, which RRF
 *   throws away, and beat weighted RRF on SciFact while matching it on CMRC.
 * - `rrf`: weighted reciprocal-rank fusion, `w / (60 + rank_dense) + (1 - w) / (60 + rank_lexical)`.
 */
export function fuse(dense: Candidate[], lexical: Candidate[], denseWeight: number, method: FusionMethod = 'blend'): Fused[] {
  const denseRanks = ranked(dense);
  const lexicalRanks = ranked(lexical);
  const ids = new Set<number>();
  if (denseWeight > 0) dense.forEach((c) => ids.add(c.id));
  if (denseWeight < 1) lexical.forEach((c) => ids.add(c.id));
  const normDense = minMax(dense);
  const normLexical = minMax(lexical);
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
