/**
 * The lexical study: `npm run study:lexical -- --data <path> [--variants a,b,...]`.
 *
 * Sweeps analyser and BM25 variants on one eval data set without a database: every document
 * (`title\ntext`, as ingestion indexes a one-chunk document) is analysed per variant into an
 * in-memory inverted index, every query is scored with the same BM25 as search (Lucene idf, k1
 * and b from the config defaults), and the hashing embedder's exact cosine gives the dense side,
 * fused with the production fusion at the default weight. So 25k documents x 1,000 queries take
 * seconds per variant, where the end-to-end `npm run eval` takes many minutes; the winner is then
 * confirmed end to end with `npm run eval`. Dense uses exact cosine (eval uses HNSW) and
 * documents are not chunked, so figures can differ from the eval's in the third decimal.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LocalHashEmbedder } from '@fjord/embeddings/local-hash-embedder';
import { fuse } from '@fjord/search/retrieval/fusion';
import type { Candidate } from '@fjord/search/retrieval/search.repository';
import {
  CJK_CHAR_TAG,
  CJK_WORD_TAG,
  CHINESE_STOPWORDS,
  type CjkTermOptions,
  EQUAL_QUERY_WEIGHTS,
  type LexicalKind,
  lexicalKindOf,
  lexicalQueryTermsWith,
  lexicalTermsWith,
  type QueryTermWeights,
} from '@fjord/text';
import { type Dataset, evaluate, loadDataset } from './support/eval-data';
import { MemoryBm25, topByCosine } from './support/memory-bm25';

/** As search: limit 100, each signal contributes 2 x limit candidates. */
const LIMIT = 100;
const CANDIDATES = 200;
const DENSE_WEIGHT = 0.5;
/** Other dense weights the hybrid is also scored at (the fusion weight per embedder). */
const DENSE_WEIGHTS = [0.2, 0.3, 0.4, 0.5];
const DIMENSION = 384;

/** A variant: which terms are indexed, how query terms of each kind weigh, one field or one per kind. */
interface Variant {
  name: string;
  options: CjkTermOptions;
  /** Query-side weights per kind (BM25F-style: one length normalisation, per-kind weights); 1 when left out. */
  weights?: Partial<QueryTermWeights>;
  /** 'split': bigrams, words and characters each get their own BM25 (own lengths), summed. */
  fields?: 'one' | 'split';
  /** Pseudo-relevance feedback: add the best `terms` terms of the top `docs` documents at `weight`. */
  prf?: { docs: number; terms: number; weight: number };
  k1?: number;
  b?: number;
  /** The title indexed this many times (an index-time title boost); 1 as ingestion does. */
  titleRepeat?: number;
}

const BIGRAMS: CjkTermOptions = { bigrams: true, words: 'none', unigrams: false, stopwords: false };
const CUT: CjkTermOptions = { ...BIGRAMS, words: 'cut', stopwords: true };
const VARIANTS: Variant[] = [
  { name: 'bigrams (v1)', options: BIGRAMS },
  { name: 'jieba cut words', options: { ...BIGRAMS, bigrams: false, words: 'cut' } },
  { name: 'jieba search words', options: { ...BIGRAMS, bigrams: false, words: 'search' } },
  { name: 'bigrams + cut', options: { ...BIGRAMS, words: 'cut' } },
  { name: 'bigrams + search', options: { ...BIGRAMS, words: 'search' } },
  { name: 'bigrams + cut + stopwords', options: CUT },
  { name: 'bigrams + search + stopwords', options: { ...CUT, words: 'search' } },
  { name: 'bigrams | cut + stopwords (two BM25 fields, summed)', options: CUT, fields: 'split' },
  { name: 'bigrams + cut + stopwords, crossing bigrams x0.5', options: CUT, weights: { crossingBigram: 0.5 } },
  { name: 'bigrams + cut + stopwords, crossing bigrams x0.25', options: CUT, weights: { crossingBigram: 0.25 } },
  { name: 'bigrams + cut + stopwords, crossing bigrams dropped', options: CUT, weights: { crossingBigram: 0 } },
  { name: 'bigrams + cut + stopwords, words x0.5', options: CUT, weights: { word: 0.5 } },
  { name: 'bigrams + cut + stopwords, words x2', options: CUT, weights: { word: 2 } },
  { name: 'bigrams + cut + stopwords + chars x0.2', options: { ...CUT, unigrams: true }, weights: { char: 0.2 } },
  { name: 'bigrams + cut + stopwords, b 0.5', options: CUT, b: 0.5 },
  { name: 'bigrams + cut + stopwords, k1 0.9', options: CUT, k1: 0.9 },
  { name: 'bigrams + cut + stopwords, PRF 5 docs / 10 terms x0.3', options: CUT, prf: { docs: 5, terms: 10, weight: 0.3 } },
  { name: 'bigrams + cut + stopwords, PRF 10 docs / 20 terms x0.1', options: CUT, prf: { docs: 10, terms: 20, weight: 0.1 } },
  { name: 'bigrams + cut + stopwords, title x2', options: CUT, titleRepeat: 2 },
  { name: 'bigrams (v1), title x2', options: BIGRAMS, titleRepeat: 2 },
  { name: 'bigrams + cut + stopwords + chars x0.2, k1 0.9', options: { ...CUT, unigrams: true }, weights: { char: 0.2 }, k1: 0.9 },
  { name: 'bigrams + cut + stopwords + chars x0.2, k1 0.9, b 0.9', options: { ...CUT, unigrams: true }, weights: { char: 0.2 }, k1: 0.9, b: 0.9 },
  { name: 'bigrams + cut + stopwords + chars x0.2, k1 0.6', options: { ...CUT, unigrams: true }, weights: { char: 0.2 }, k1: 0.6 },
  { name: 'bigrams + cut + chars x0.2, k1 0.9', options: { ...CUT, stopwords: false, unigrams: true }, weights: { char: 0.2 }, k1: 0.9 },
  { name: 'bigrams + cut + stopwords + chars x0.1, k1 0.9', options: { ...CUT, unigrams: true }, weights: { char: 0.1 }, k1: 0.9 },
  { name: 'bigrams + cut + stopwords + chars x0.35, k1 0.9', options: { ...CUT, unigrams: true }, weights: { char: 0.35 }, k1: 0.9 },
  { name: 'bigrams + cut (HMM) + stopwords + chars x0.2, k1 0.9', options: { ...CUT, words: 'cut-hmm', unigrams: true }, weights: { char: 0.2 }, k1: 0.9 },
  { name: 'bigrams + search + stopwords + chars x0.2, k1 0.9', options: { ...CUT, words: 'search', unigrams: true }, weights: { char: 0.2 }, k1: 0.9 },
  { name: 'bigrams + cut + stopwords + chars x0.2', options: { ...CUT, unigrams: true }, weights: { char: 0.2 } },
  { name: 'bigrams + cut + stopwords + chars x0.35', options: { ...CUT, unigrams: true }, weights: { char: 0.35 } },
  { name: 'bigrams + cut + stopwords + chars x0.2, words x1.5', options: { ...CUT, unigrams: true }, weights: { char: 0.2, word: 1.5 } },
  { name: 'bigrams + cut + stopwords + chars x0.5', options: { ...CUT, unigrams: true }, weights: { char: 0.5 } },
  { name: 'bigrams + cut + stopwords + chars x0.75', options: { ...CUT, unigrams: true }, weights: { char: 0.75 } },
  { name: 'bigrams + cut + stopwords + chars x1', options: { ...CUT, unigrams: true } },
];

const FIELD_OF_KIND: Record<LexicalKind, number> = { word: 0, number: 0, cjk: 0, 'cjk-word': 1, 'cjk-char': 2 };

function ranked(data: Dataset, lists: Candidate[][]): Map<string, string[]> {
  return new Map(data.queries.map((q, i) => [q.id, lists[i].map((c) => data.corpus[c.id].id)]));
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--data');
  const dataPath = resolve(at >= 0 && args[at + 1] ? args[at + 1] : '../shared/data/stard-statutes');
  const only = args.indexOf('--variants') >= 0 ? args[args.indexOf('--variants') + 1].split(',').map(Number) : undefined;
  const data = loadDataset(dataPath);
  const texts = data.corpus.map((d) => `${d.title}\n${d.text}`);
  console.log(`data ${data.name}: ${data.corpus.length} documents, ${data.queries.length} queries`);

  let t0 = performance.now();
  // The dense lists do not depend on the variant: computed once per data set and kept in the temp dir.
  const cache = join(tmpdir(), `fjord-lexical-study-dense-${createHash('sha256').update(dataPath).digest('hex').slice(0, 12)}.json`);
  let dense: Candidate[][];
  if (existsSync(cache)) {
    dense = JSON.parse(readFileSync(cache, 'utf8')) as Candidate[][];
  } else {
    const embedder = new LocalHashEmbedder(DIMENSION);
    const matrix = new Float32Array(texts.length * DIMENSION);
    texts.forEach((text, d) => matrix.set(embedder.embedText(text), d * DIMENSION));
    dense = data.queries.map((q) => topByCosine(matrix, embedder.embedText(q.text), texts.length, CANDIDATES));
    writeFileSync(cache, JSON.stringify(dense));
  }
  const denseMetrics = evaluate(ranked(data, dense), data, []);
  console.log(`dense (hashing ${DIMENSION}-d, exact cosine) nDCG@10=${denseMetrics.ndcg10.toFixed(4)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const f = (x: number) => x.toFixed(4);
  const others = DENSE_WEIGHTS.filter((w) => w !== DENSE_WEIGHT);
  console.log(`| variant | lexical nDCG@10 | lexical R@10 | lexical R@100 | hybrid nDCG@10 | hybrid R@10 | ${others.map((w) => `hybrid w=${w}`).join(' | ')} | index s |`);
  console.log(`|---|---|---|---|---|---|${others.map(() => '---|').join('')}---|`);
  const analysed = new Map<string, string[][]>();
  (only ? only.map((i) => VARIANTS[i]) : VARIANTS).forEach((variant) => {
    t0 = performance.now();
    const repeat = variant.titleRepeat ?? 1;
    const key = `${JSON.stringify(variant.options)} ${repeat}`;
    let docs = analysed.get(key);
    if (!docs) {
      docs = data.corpus.map((d) => lexicalTermsWith(`${`${d.title}\n`.repeat(repeat)}${d.text}`, variant.options));
      analysed.set(key, docs);
    }
    const split = variant.fields === 'split';
    const index = new MemoryBm25(docs, (term) => (split ? FIELD_OF_KIND[lexicalKindOf(term)] : 0), split ? 3 : 1, variant.k1, variant.b);
    const weights = { ...EQUAL_QUERY_WEIGHTS, ...variant.weights };
    const indexSeconds = (performance.now() - t0) / 1000;
    const scores = new Float64Array(index.size);
    const lexical = data.queries.map((q) => {
      const query = new Map<number, number>();
      for (const [term, weight] of lexicalQueryTermsWith(q.text, variant.options, weights)) {
        const id = index.termId(term);
        if (id !== undefined) query.set(id, weight);
      }
      let top = index.search(query, CANDIDATES, scores);
      if (variant.prf && top.length > 0) top = index.search(expand(index, query, top, variant.prf), CANDIDATES, scores);
      return top;
    });
    const lex = evaluate(ranked(data, lexical), data, []);
    const hybridAt = (w: number) => evaluate(ranked(data, data.queries.map((_, i) => fuse(dense[i], lexical[i], w).slice(0, LIMIT))), data, []);
    const hybrid = hybridAt(DENSE_WEIGHT);
    const lower = DENSE_WEIGHTS.filter((w) => w !== DENSE_WEIGHT).map((w) => f(hybridAt(w).ndcg10));
    console.log(`| ${variant.name} | ${f(lex.ndcg10)} | ${f(lex.r10)} | ${f(lex.r100)} | ${f(hybrid.ndcg10)} | ${f(hybrid.r10)} | ${lower.join(' | ')} | ${indexSeconds.toFixed(1)} |`);
  });
}

/** RM3-like expansion: the top documents' terms by tf x idf, excluding stop terms, added at `weight`. */
function expand(index: MemoryBm25, query: Map<number, number>, top: Candidate[], prf: NonNullable<Variant['prf']>): Map<number, number> {
  const pooled = new Map<number, number>();
  for (const hit of top.slice(0, prf.docs)) {
    for (const [id, tf] of index.docTerms[hit.id]) pooled.set(id, (pooled.get(id) ?? 0) + tf * index.idfOf(id));
  }
  const expanded = new Map(query);
  [...pooled]
    .filter(([id]) => !query.has(id) && !isStop(index.termOf(id)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, prf.terms)
    .forEach(([id]) => expanded.set(id, prf.weight));
  return expanded;
}

function isStop(term: string): boolean {
  return CHINESE_STOPWORDS.has(term.replace(CJK_WORD_TAG, '').replace(CJK_CHAR_TAG, ''));
}

main();
