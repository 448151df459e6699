import { analyze } from './analyzer';
import { type CjkTermOptions, EQUAL_QUERY_WEIGHTS, type QueryTermWeights, lexicalQueryTermsWith, lexicalTermsWith } from './cjk-terms';

/**
 * The lexical analysers a collection can be indexed with. A collection records its version when it
 * is created and keeps it: its stored terms (point_terms) were made by that version, and queries
 * must be analysed the same way. New collections get LATEST_LEXICAL_ANALYZER.
 *
 * - 1: `analyze` (CJK as character bigrams).
 * - 2: as 1, plus jieba words (precise mode) and single characters, both tagged so they never
 *   share a posting list with a bigram, without Chinese function and question words; every term of
 *   a query weighs the same, however often the query repeats it (single characters also let a
 *   one-character query match inside words).
 *   Chosen by the lexical study on stard-statutes and CMRC (docs/benchmarks.md, "Chinese lexical
 *   analysis").
 * Text without CJK characters gets the same terms under every version.
 */
export type LexicalAnalyzerVersion = 1 | 2;
export const LATEST_LEXICAL_ANALYZER: LexicalAnalyzerVersion = 2;

export const LEXICAL_ANALYZER_2: CjkTermOptions = { bigrams: true, words: 'cut', unigrams: true, stopwords: true };

/**
 * How much a query term of each kind weighs under version 2: all alike, and a term the query
 * repeats counts once. The lexical study tried characters at 0.1-0.75 and words at 0.5-2; the
 * embedding study measured repeats counted once against once per occurrence (stard-statutes lexical
 * 0.4119 -> 0.4176, SciFact 0.6967 -> 0.7004). Query weights change no stored term, so they can be
 * re-tuned freely, and collections already indexed with version 2 get them at once.
 */
export const QUERY_WEIGHTS_2: QueryTermWeights = { ...EQUAL_QUERY_WEIGHTS, countRepeats: false };

export function isLexicalAnalyzerVersion(version: number): version is LexicalAnalyzerVersion {
  return version === 1 || version === 2;
}

/** The terms BM25 indexes for `text` in a collection analysed with `version` (the same function analyses queries). */
export function lexicalTerms(text: string, version: LexicalAnalyzerVersion): string[] {
  return version === 1 ? analyze(text) : lexicalTermsWith(text, LEXICAL_ANALYZER_2);
}

/** A query's terms, each with its weight: under version 1 how often it occurs; under version 2 its kind's weight, once. */
export function lexicalQueryTerms(query: string, version: LexicalAnalyzerVersion): Map<string, number> {
  if (version === 2) return lexicalQueryTermsWith(query, LEXICAL_ANALYZER_2, QUERY_WEIGHTS_2);
  const counts = new Map<string, number>();
  for (const term of analyze(query)) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}
