import { analyze } from '@fjord/text';
import type { RerankPassage, Reranked, Reranker } from './reranker';

/** How much of the score is term coverage, the rest proximity (tuned by hand, no training). */
const COVERAGE_WEIGHT = 0.6;
const TITLE_WEIGHT = 0.5;

/**
 * The offline default reranker: no model weights, only the query's analysed terms (same analyser as
 * BM25, so Chinese bigrams and English stems both work) against each passage:
 *
 * - coverage: the share of distinct query terms present in the passage (title terms count half);
 * - proximity: the best window holding the most distinct query terms, scored
 *   `found / window length` (a passage where the terms stand together beats one where they are
 *   scattered), a signal BM25 does not have.
 *
 * The score is in [0, 1]. It is cheap (linear in the passage) and deterministic.
 */
export class LocalReranker implements Reranker {
  readonly name = 'fjord-local-proximity';

  score(query: string, passages: RerankPassage[]): Promise<Reranked> {
    const queryTerms = [...new Set(analyze(query))];
    return Promise.resolve({ scores: passages.map((p) => scorePassage(queryTerms, p)) });
  }
}

export function scorePassage(queryTerms: string[], passage: RerankPassage): number {
  if (queryTerms.length === 0) return 0;
  const wanted = new Set(queryTerms);
  const body = analyze(passage.content);
  const title = new Set(passage.title ? analyze(passage.title) : []);
  const inBody = new Set(body.filter((t) => wanted.has(t)));
  let coverage = 0;
  for (const term of queryTerms) {
    if (inBody.has(term)) coverage += 1;
    else if (title.has(term)) coverage += TITLE_WEIGHT;
  }
  coverage /= queryTerms.length;
  return COVERAGE_WEIGHT * coverage + (1 - COVERAGE_WEIGHT) * proximity(body, wanted, inBody.size, queryTerms.length);
}

/** Smallest window containing every query term the passage has: found / max(window, found) x found share. */
function proximity(body: string[], wanted: Set<string>, found: number, total: number): number {
  if (found === 0) return 0;
  const counts = new Map<string, number>();
  let have = 0;
  let best = Infinity;
  let left = 0;
  for (let right = 0; right < body.length; right++) {
    const term = body[right];
    if (!wanted.has(term)) continue;
    const c = (counts.get(term) ?? 0) + 1;
    counts.set(term, c);
    if (c === 1) have++;
    while (have === found) {
      best = Math.min(best, right - left + 1);
      const leftTerm = body[left];
      if (wanted.has(leftTerm)) {
        const lc = (counts.get(leftTerm) as number) - 1;
        counts.set(leftTerm, lc);
        if (lc === 0) have--;
      }
      left++;
    }
  }
  return (found / Math.max(best, found)) * (found / total);
}
