import { analyze } from './analyzer';
import { type CjkTermOptions, type LexicalKind, lexicalKindOf, lexicalTermsWith } from './cjk-terms';

/**
 * The lexical analysers a collection can be indexed with. A collection records its version when it
 * is created and keeps it: its stored terms (point_terms) were made by that version, and queries
 * must be analysed the same way. New collections get LATEST_LEXICAL_ANALYZER.
 *
 * - 1: `analyze` (CJK as character bigrams).
 * - 2: as 1, plus jieba words (tagged, so they never share a posting list with a bigram) without
 *   Chinese function and question words. Chosen by the lexical study on stard-statutes and CMRC
 *   (docs/benchmarks.md, "Chinese lexical analysis").
 * Text without CJK characters gets the same terms under every version.
 */
export type LexicalAnalyzerVersion = 1 | 2;
export const LATEST_LEXICAL_ANALYZER: LexicalAnalyzerVersion = 2;

export const LEXICAL_ANALYZER_2: CjkTermOptions = { bigrams: true, words: 'cut', unigrams: false, stopwords: true };

/** How much a query term of each kind weighs under version 2 (1 unless listed). */
const QUERY_WEIGHTS_2: Partial<Record<LexicalKind, number>> = {};

export function isLexicalAnalyzerVersion(version: number): version is LexicalAnalyzerVersion {
  return version === 1 || version === 2;
}

/** The terms BM25 indexes for `text` in a collection analysed with `version` (the same function analyses queries). */
export function lexicalTerms(text: string, version: LexicalAnalyzerVersion): string[] {
  return version === 1 ? analyze(text) : lexicalTermsWith(text, LEXICAL_ANALYZER_2);
}

/** A query's terms, each with its weight: how often it occurs, times its kind's weight. */
export function lexicalQueryTerms(query: string, version: LexicalAnalyzerVersion): Map<string, number> {
  const weights = version === 1 ? {} : QUERY_WEIGHTS_2;
  const counts = new Map<string, number>();
  for (const term of lexicalTerms(query, version)) counts.set(term, (counts.get(term) ?? 0) + (weights[lexicalKindOf(term)] ?? 1));
  return counts;
}
