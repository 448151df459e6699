/**
 * The hybrid study: `npm run study:embedding -- --data <path> [--variants a,b,...] [sections]`.
 *
 * Like the lexical study (in memory, no database), but it holds the lexical side at the shipped
 * analyser (version 2 with its query weights, BM25 k1 1.2, b 0.75) and varies what the hybrid adds
 * to it: the local hashing embedder's features (`--variants`, indexes into DENSE_VARIANTS: jieba
 * words, characters, bigrams, idf from jieba's bundled table, dimension), then, on the first
 * variant run, optional sections: `--fusion` (normalisations, RRF, per-query weights and their
 * oracle ceiling), `--title-field`, `--dense-prf`, `--query-idf`, `--query-tf`, `--idf-cap`,
 * `--bm25-shape` (BM25+, k1 per kind), `--paired` (repeated query terms once vs per occurrence,
 * query by query) and `--rerank` (proximity of query words in the fused top 100).
 * `--count-repeats` starts every section from the old query weights. Dense uses exact cosine over
 * all documents (`title\ntext`, not chunked), as the lexical study does; on a 1,000-article subset
 * it matches `npm run eval` to four decimals.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fmix32, fnv1a, LocalHashEmbedder } from '@fjord/embeddings/local-hash-embedder';
import { fuse, type Fused } from '@fjord/search/retrieval/fusion';
import type { Candidate } from '@fjord/search/retrieval/search.repository';
import { CHINESE_STOPWORDS, LEXICAL_ANALYZER_2, lexicalQueryTermsWith, lexicalTermsWith, QUERY_WEIGHTS_2, scan } from '@fjord/text';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import { type Dataset, evaluate, loadDataset } from './support/eval-data';
import { MemoryBm25, topByCosine } from './support/memory-bm25';

const LIMIT = 100;
const CANDIDATES = 200;
const WEIGHTS = [0.2, 0.3, 0.4, 0.5];

const jieba = Jieba.withDict(dict);

/** jieba's keyword-extraction idf table (shipped with @node-rs/jieba); unknown words get its median. */
function loadIdf(): { idf: Map<string, number>; median: number } {
  const idf = new Map<string, number>();
  const text = readFileSync(require.resolve('@node-rs/jieba/idf.txt'), 'utf8');
  for (const line of text.split('\n')) {
    const space = line.lastIndexOf(' ');
    if (space > 0) idf.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  const sorted = [...idf.values()].sort((a, b) => a - b);
  return { idf, median: sorted[sorted.length >> 1] };
}
const IDF = loadIdf();
const idfOf = (word: string): number => IDF.idf.get(word) ?? IDF.median;

/** An experimental CJK feature set added to (or replacing) the shipped embedder's families. */
interface DenseVariant {
  name: string;
  /** Weight of the shipped embedder's vector in the sum (1 = as shipped; 0 = CJK families only). */
  base: number;
  /** jieba precise words (stopwords dropped): family weight, and whether each word counts idf x (1 + ln tf). */
  words?: { weight: number; idf: boolean; power?: number };
  /** Single characters (stopwords dropped), idf from jieba's table for one-character words. */
  chars?: { weight: number; idf: boolean; power?: number };
  /** Character bigrams, idf from jieba's table where the bigram is a word. */
  bigrams?: { weight: number; idf: boolean; power?: number };
  dimension?: number;
}

const V1 = { name: 'hashing v1 (shipped)', base: 1 };
const DENSE_VARIANTS: DenseVariant[] = [
  V1,
  { name: 'v1 + words', base: 1, words: { weight: 1, idf: false } },
  { name: 'v1 + words idf', base: 1, words: { weight: 1, idf: true } },
  { name: 'v1 + words idf + chars idf', base: 1, words: { weight: 1, idf: true }, chars: { weight: 1, idf: true } },
  { name: 'words idf + chars idf + bigrams idf (no v1)', base: 0, words: { weight: 1, idf: true }, chars: { weight: 1, idf: true }, bigrams: { weight: 1, idf: true } },
  { name: 'words idf only', base: 0, words: { weight: 1, idf: true } },
  { name: 'characters idf only', base: 0, chars: { weight: 1, idf: true } },
  { name: 'characters idf^2 only', base: 0, chars: { weight: 1, idf: true, power: 2 } },
  { name: 'hashing v1 at 1024-d', base: 1, dimension: 1024 },
  { name: 'v1 + words idf + chars idf at 1024-d', base: 1, words: { weight: 1, idf: true }, chars: { weight: 1, idf: true }, dimension: 1024 },
];

function cjkRuns(text: string): string[] {
  const runs: string[] = [];
  scan(text, () => undefined, (run) => {
    runs.push(run);
  });
  return runs;
}

function weightedFamily(counts: Map<string, number>, seed: number, idf: boolean, power: number, dimension: number, weight: number, into: Float64Array): void {
  if (counts.size === 0) return;
  const scratch = new Float64Array(dimension);
  for (const [feature, tf] of counts) {
    const h = fmix32(fnv1a(feature, seed));
    const sign = fmix32(h ^ 0x9e3779b9) & 1 ? 1 : -1;
    scratch[h % dimension] += sign * (1 + Math.log(tf)) * (idf ? idfOf(feature) ** power : 1);
  }
  let norm = 0;
  for (const x of scratch) norm += x * x;
  if (norm === 0) return;
  const scale = weight / Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) into[i] += scratch[i] * scale;
}

function embedder(variant: DenseVariant): (text: string) => Float32Array {
  const dimension = variant.dimension ?? 384;
  const shipped = new LocalHashEmbedder(dimension);
  return (text) => {
    const sum = new Float64Array(dimension);
    if (variant.base > 0) shipped.embedText(text).forEach((x, i) => (sum[i] += variant.base * x));
    const runs = cjkRuns(text);
    if (runs.length > 0) {
      const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
      if (variant.words) {
        const words = new Map<string, number>();
        for (const word of jieba.cut(runs.join(' '), false)) if (word !== ' ' && !CHINESE_STOPWORDS.has(word)) count(words, word);
        weightedFamily(words, 0x3c6ef372, variant.words.idf, variant.words.power ?? 1, dimension, variant.words.weight, sum);
      }
      if (variant.chars) {
        const chars = new Map<string, number>();
        for (const run of runs) for (const c of run) if (!CHINESE_STOPWORDS.has(c)) count(chars, c);
        weightedFamily(chars, 0x14292967, variant.chars.idf, variant.chars.power ?? 1, dimension, variant.chars.weight, sum);
      }
      if (variant.bigrams) {
        const bigrams = new Map<string, number>();
        for (const run of runs) {
          const cs = Array.from(run);
          for (let i = 0; i + 1 < cs.length; i++) count(bigrams, cs[i] + cs[i + 1]);
        }
        weightedFamily(bigrams, 0x61c88647, variant.bigrams.idf, variant.bigrams.power ?? 1, dimension, variant.bigrams.weight, sum);
      }
    }
    let norm = 0;
    for (const x of sum) norm += x * x;
    const out = new Float32Array(dimension);
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dimension; i++) out[i] = sum[i] * scale;
    return out;
  };
}

let lastMatrix: { matrix: Float32Array; queries: Float32Array[]; dimension: number } | undefined;

function denseLists(data: Dataset, texts: string[], variant: DenseVariant): Candidate[][] {
  const embed = embedder(variant);
  const dimension = variant.dimension ?? 384;
  const matrix = new Float32Array(texts.length * dimension);
  texts.forEach((text, d) => matrix.set(embed(text), d * dimension));
  const queries = data.queries.map((q) => embed(q.text));
  lastMatrix = { matrix, queries, dimension };
  return queries.map((q) => topByCosine(matrix, Array.from(q), texts.length, CANDIDATES));
}

function ranked(data: Dataset, lists: Array<Array<{ id: number }>>): Map<string, string[]> {
  return new Map(data.queries.map((q, i) => [q.id, lists[i].map((c) => data.corpus[c.id].id)]));
}

/**
 * Proximity: for each pair of consecutive query words (jieba, stopwords dropped), whether the
 * document holds both within `window` characters, in either order, weighted by the pair's smaller
 * idf; the sum over pairs, divided by the query's total, so 0..1.
 */
function proximityScorer(window: number): (query: string, doc: string) => number {
  return (query, doc) => {
    const words = jieba.cut(cjkRuns(query).join(' '), false).filter((w) => w !== ' ' && !CHINESE_STOPWORDS.has(w));
    if (words.length < 2) return 0;
    let total = 0;
    let found = 0;
    const positions = (w: string): number[] => {
      const out: number[] = [];
      for (let at = doc.indexOf(w); at >= 0; at = doc.indexOf(w, at + 1)) out.push(at);
      return out;
    };
    for (let i = 0; i + 1 < words.length; i++) {
      const weight = Math.min(idfOf(words[i]), idfOf(words[i + 1]));
      total += weight;
      const a = positions(words[i]);
      const b = positions(words[i + 1]);
      if (a.some((x) => b.some((y) => Math.abs(x - y) <= window))) found += weight;
    }
    return total > 0 ? found / total : 0;
  };
}

/** z-score each list over its candidates, then blend. */
function zFuse(dense: Candidate[], lexical: Candidate[], w: number): Fused[] {
  const z = (list: Candidate[]) => {
    const mean = list.reduce((s, c) => s + c.score, 0) / Math.max(1, list.length);
    const sd = Math.sqrt(list.reduce((s, c) => s + (c.score - mean) ** 2, 0) / Math.max(1, list.length)) || 1;
    return new Map(list.map((c) => [c.id, (c.score - mean) / sd]));
  };
  const zd = z(dense);
  const zl = z(lexical);
  const floorD = Math.min(0, ...zd.values());
  const floorL = Math.min(0, ...zl.values());
  const ids = new Set([...zd.keys(), ...zl.keys()]);
  return [...ids]
    .map((id) => ({ id, score: w * (zd.get(id) ?? floorD) + (1 - w) * (zl.get(id) ?? floorL) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

function main(): void {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
  // --count-repeats: every section starts from queries whose repeated terms count once per occurrence (as before
  // version 2's query weights counted them once); --char-weight: single characters' query weight.
  const countRepeats = args.includes('--count-repeats');
  const charWeight = Number(arg('--char-weight') ?? 1);
  const queryTerms = (text: string): Map<string, number> => lexicalQueryTermsWith(text, LEXICAL_ANALYZER_2, { ...QUERY_WEIGHTS_2, char: charWeight, countRepeats });
  const dataPath = resolve(arg('--data') ?? '../shared/data/stard-statutes');
  const only = arg('--variants')?.split(',').map(Number);
  const data = loadDataset(dataPath);
  const texts = data.corpus.map((d) => `${d.title}\n${d.text}`);
  console.log(`data ${data.name}: ${data.corpus.length} documents, ${data.queries.length} queries`);
  const f = (x: number) => x.toFixed(4);

  let t0 = performance.now();
  const index = new MemoryBm25(
    texts.map((t) => lexicalTermsWith(t, LEXICAL_ANALYZER_2)),
    () => 0,
    1,
  );
  const scores = new Float64Array(index.size);
  const lexical = data.queries.map((q) => {
    const query = new Map<number, number>();
    for (const [term, weight] of queryTerms(q.text)) {
      const id = index.termId(term);
      if (id !== undefined) query.set(id, weight);
    }
    return index.search(query, CANDIDATES, scores);
  });
  console.log(`lexical (analyser 2) nDCG@10=${f(evaluate(ranked(data, lexical), data, []).ndcg10)} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const hybridAt = (dense: Candidate[][], w: number, rerank?: (i: number, fused: Fused[]) => Fused[]) =>
    evaluate(
      ranked(
        data,
        data.queries.map((_, i) => {
          const fused = fuse(dense[i], lexical[i], w).slice(0, LIMIT);
          return rerank ? rerank(i, fused) : fused;
        }),
      ),
      data,
      [],
    ).ndcg10;

  console.log(`| dense variant | dense | ${WEIGHTS.map((w) => `hybrid w=${w}`).join(' | ')} | embed s |`);
  console.log(`|---|---|${WEIGHTS.map(() => '---|').join('')}---|`);
  const denseByName = new Map<string, Candidate[][]>();
  for (const variant of only ? only.map((i) => DENSE_VARIANTS[i]) : DENSE_VARIANTS) {
    t0 = performance.now();
    const dense = denseLists(data, texts, variant);
    denseByName.set(variant.name, dense);
    const seconds = (performance.now() - t0) / 1000;
    console.log(`| ${variant.name} | ${f(evaluate(ranked(data, dense), data, []).ndcg10)} | ${WEIGHTS.map((w) => f(hybridAt(dense, w))).join(' | ')} | ${seconds.toFixed(1)} |`);
  }

  if (args.includes('--fusion')) {
    for (const [name, dense] of denseByName) {
      console.log(`\n| fusion with ${name} | ${[0.1, 0.2, 0.3, 0.4, 0.5].map((w) => `w=${w}`).join(' | ')} |`);
      console.log('|---|---|---|---|---|---|');
      const row = (label: string, at: (i: number, w: number) => Array<{ id: number }>) =>
        console.log(`| ${label} | ${[0.1, 0.2, 0.3, 0.4, 0.5].map((w) => f(evaluate(ranked(data, data.queries.map((_, i) => at(i, w).slice(0, LIMIT))), data, []).ndcg10)).join(' | ')} |`);
      row('blend raw cosine + min-max BM25 (shipped)', (i, w) => fuse(dense[i], lexical[i], w));
      row('blend min-max + min-max', (i, w) => fuse(dense[i], lexical[i], w, 'blend', { dense: 'minmax', lexical: 'minmax' }));
      row('blend raw + BM25/max', (i, w) => fuse(dense[i], lexical[i], w, 'blend', { dense: 'raw', lexical: 'max' }));
      row('blend min-max + BM25/max', (i, w) => fuse(dense[i], lexical[i], w, 'blend', { dense: 'minmax', lexical: 'max' }));
      row('weighted RRF k=60', (i, w) => fuse(dense[i], lexical[i], w, 'rrf'));
      row('z-score both', (i, w) => zFuse(dense[i], lexical[i], w));
      // Query-adaptive: how far BM25's best is ahead of its 10th, relative to the best.
      const gap = (i: number) => (lexical[i].length >= 10 ? (lexical[i][0].score - lexical[i][9].score) / lexical[i][0].score : 1);
      const gaps = data.queries.map((_, i) => gap(i)).sort((a, b) => a - b);
      const median = gaps[gaps.length >> 1];
      row(`adaptive: w on flat BM25 (gap < median ${median.toFixed(2)}), w/2 otherwise`, (i, w) => fuse(dense[i], lexical[i], gap(i) < median ? w : w / 2));
      row('adaptive: w x 2 on flat BM25, w otherwise', (i, w) => fuse(dense[i], lexical[i], gap(i) < median ? Math.min(1, 2 * w) : w));
      const lengths = data.queries.map((q) => q.text.length).sort((a, b) => a - b);
      const midLength = lengths[lengths.length >> 1];
      row(`adaptive: w on long queries (> ${midLength} chars), w/2 on short`, (i, w) => fuse(dense[i], lexical[i], data.queries[i].text.length > midLength ? w : w / 2));
      row('adaptive: w/2 on long queries, w on short', (i, w) => fuse(dense[i], lexical[i], data.queries[i].text.length > midLength ? w / 2 : w));
      // The ceiling: each query's best weight from 0, 0.1, ..., 1 (not a method; it says how much any per-query weight could gain).
      let oracle = 0;
      data.queries.forEach((q, i) => {
        let best = 0;
        for (let w = 0; w <= 1.0001; w += 0.1) {
          const one = { ...data, queries: [q] };
          best = Math.max(best, evaluate(new Map([[q.id, fuse(dense[i], lexical[i], w).slice(0, LIMIT).map((c) => data.corpus[c.id].id)]]), one, []).ndcg10);
        }
        oracle += best;
      });
      console.log(`per-query oracle weight (ceiling, not a method): ${f(oracle / data.queries.length)}`);
    }
  }

  if (args.includes('--title-field')) {
    // The title as a second BM25 field with its own lengths and idf, blended in min-max normalised at `lambda`.
    const titles = new MemoryBm25(
      data.corpus.map((d) => lexicalTermsWith(d.title, LEXICAL_ANALYZER_2)),
      () => 0,
      1,
    );
    const titleScores = new Float64Array(titles.size);
    const titleLists = data.queries.map((q) => {
      const query = new Map<number, number>();
      for (const [term, weight] of queryTerms(q.text)) {
        const id = titles.termId(term);
        if (id !== undefined) query.set(id, weight);
      }
      return titles.search(query, CANDIDATES, titleScores);
    });
    console.log(`title field alone nDCG@10=${f(evaluate(ranked(data, titleLists), data, []).ndcg10)}`);
    const dense = denseByName.values().next().value as Candidate[][];
    for (const lambda of [0.05, 0.1, 0.2, 0.3]) {
      const cells = [0.2, 0.3].map((w) => {
        const lists = data.queries.map((_, i) => {
          const fused = fuse(dense[i], lexical[i], w);
          const norm = (list: Candidate[]) => {
            const hi = list[0]?.score ?? 0;
            const lo = list[list.length - 1]?.score ?? 0;
            return new Map(list.map((c) => [c.id, hi > lo ? (c.score - lo) / (hi - lo) : 1]));
          };
          const t = norm(titleLists[i]);
          const combined = new Map(fused.map((c) => [c.id, (1 - lambda) * c.score]));
          for (const [id, x] of t) combined.set(id, (combined.get(id) ?? 0) + lambda * x);
          return [...combined].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id).slice(0, LIMIT);
        });
        return f(evaluate(ranked(data, lists), data, []).ndcg10);
      });
      console.log(`| title field at ${lambda} | ${cells.join(' | ')} |`);
    }
  }

  if (args.includes('--dense-prf') && lastMatrix) {
    // Rocchio on the dense side: the query vector plus beta x the mean vector of the hybrid's top k, searched again, fused again.
    const { matrix, queries, dimension } = lastMatrix;
    const dense = [...denseByName.values()].pop() as Candidate[][];
    for (const k of [3, 10]) {
      for (const beta of [0.5, 1]) {
        const second = queries.map((q, i) => {
          const top = fuse(dense[i], lexical[i], 0.3).slice(0, k);
          const v = Array.from(q);
          for (const hit of top) for (let j = 0; j < dimension; j++) v[j] += (beta / top.length) * matrix[hit.id * dimension + j];
          const norm = Math.sqrt(v.reduce((s2, x) => s2 + x * x, 0)) || 1;
          return topByCosine(matrix, v.map((x) => x / norm), data.corpus.length, CANDIDATES);
        });
        console.log(`| dense PRF k=${k} beta=${beta} | ${f(evaluate(ranked(data, second), data, []).ndcg10)} | ${WEIGHTS.map((w) => f(hybridAt(second, w))).join(' | ')} |`);
      }
    }
  }

  if (args.includes('--query-idf')) {
    // Query term weights scaled by general-language rarity (jieba's idf table, relative to its median): lay
    // words common in everyday Chinese but rare in statutes would otherwise get the corpus's high idf.
    const dense = denseByName.values().next().value as Candidate[][];
    const surface = (term: string) => (term.charCodeAt(0) === 0xe000 || term.charCodeAt(0) === 0xe001 ? term.slice(1) : term);
    for (const alpha of [0.5, 1]) {
      for (const kinds of ['words', 'all']) {
        const lists = data.queries.map((q) => {
          const query = new Map<number, number>();
          for (const [term, weight] of queryTerms(q.text)) {
            const id = index.termId(term);
            if (id === undefined) continue;
            const scaled = kinds === 'all' || term.charCodeAt(0) === 0xe000 ? (Math.min(idfOf(surface(term)), 2 * IDF.median) / IDF.median) ** alpha : 1;
            query.set(id, weight * scaled);
          }
          return index.search(query, CANDIDATES, scores);
        });
        const hybrid = (w: number) => f(evaluate(ranked(data, data.queries.map((_, i) => fuse(dense[i], lists[i], w).slice(0, LIMIT))), data, []).ndcg10);
        console.log(`| query idf^${alpha} on ${kinds} | lexical ${f(evaluate(ranked(data, lists), data, []).ndcg10)} | ${WEIGHTS.map(hybrid).join(' | ')} |`);
      }
    }
  }

  if (args.includes('--query-tf')) {
    // With --count-repeats: a term repeated in a long question counts once (binary) or sublinearly, instead of once per occurrence.
    const dense = denseByName.values().next().value as Candidate[][];
    const shapes: Array<[string, (w: number) => number]> = [
      ['binary', (w) => Math.min(w, 1)],
      ['1 + ln', (w) => (w > 1 ? 1 + Math.log(w) : w)],
      ['sqrt', (w) => Math.sqrt(w)],
    ];
    for (const [name, shape] of shapes) {
      const lists = data.queries.map((q) => {
        const query = new Map<number, number>();
        for (const [term, weight] of queryTerms(q.text)) {
          const id = index.termId(term);
          if (id !== undefined) query.set(id, shape(weight));
        }
        return index.search(query, CANDIDATES, scores);
      });
      const hybrid = (w: number) => f(evaluate(ranked(data, data.queries.map((_, i) => fuse(dense[i], lists[i], w).slice(0, LIMIT))), data, []).ndcg10);
      console.log(`| query tf ${name} | lexical ${f(evaluate(ranked(data, lists), data, []).ndcg10)} | ${WEIGHTS.map(hybrid).join(' | ')} |`);
    }
  }

  if (args.includes('--idf-cap')) {
    // Lay words that statutes almost never use get BM25's highest idf; cap what a query term can weigh.
    const dense = denseByName.values().next().value as Candidate[][];
    for (const cap of [5, 6, 7, 8]) {
      const lists = data.queries.map((q) => {
        const query = new Map<number, number>();
        for (const [term, weight] of queryTerms(q.text)) {
          const id = index.termId(term);
          if (id !== undefined) query.set(id, weight * Math.min(1, cap / index.idfOf(id)));
        }
        return index.search(query, CANDIDATES, scores);
      });
      const hybrid = (w: number) => f(evaluate(ranked(data, data.queries.map((_, i) => fuse(dense[i], lists[i], w).slice(0, LIMIT))), data, []).ndcg10);
      console.log(`| idf capped at ${cap} | lexical ${f(evaluate(ranked(data, lists), data, []).ndcg10)} | ${WEIGHTS.map(hybrid).join(' | ')} |`);
    }
  }

  if (args.includes('--bm25-shape')) {
    // BM25+ (a floor per matching term) and k1 per kind of term (characters saturating sooner than words).
    const dense = denseByName.values().next().value as Candidate[][];
    const docs = texts.map((t) => lexicalTermsWith(t, LEXICAL_ANALYZER_2));
    const kindField = (term: string) => (term.charCodeAt(0) === 0xe001 ? 2 : term.charCodeAt(0) === 0xe000 ? 1 : 0);
    const shapes: Array<[string, MemoryBm25]> = [
      ['BM25+ delta 0.25', new MemoryBm25(docs, () => 0, 1, undefined, undefined, 0.25)],
      ['BM25+ delta 0.5', new MemoryBm25(docs, () => 0, 1, undefined, undefined, 0.5)],
      ['k1 chars 0.6, others 1.2 (one length)', new MemoryBm25(docs, () => 0, 1, undefined, undefined, 0, (t) => [1.2, 1.2, 0.6][kindField(t)])],
      ['k1 chars 2, others 1.2 (one length)', new MemoryBm25(docs, () => 0, 1, undefined, undefined, 0, (t) => [1.2, 1.2, 2][kindField(t)])],
      ['k1 words 2, others 1.2 (one length)', new MemoryBm25(docs, () => 0, 1, undefined, undefined, 0, (t) => [1.2, 2, 1.2][kindField(t)])],
    ];
    for (const [name, bm25] of shapes) {
      const sc = new Float64Array(bm25.size);
      const lists = data.queries.map((q) => {
        const query = new Map<number, number>();
        for (const [term, weight] of queryTerms(q.text)) {
          const id = bm25.termId(term);
          if (id !== undefined) query.set(id, weight);
        }
        return bm25.search(query, CANDIDATES, sc);
      });
      const hybrid = (w: number) => f(evaluate(ranked(data, data.queries.map((_, i) => fuse(dense[i], lists[i], w).slice(0, LIMIT))), data, []).ndcg10);
      console.log(`| ${name} | lexical ${f(evaluate(ranked(data, lists), data, []).ndcg10)} | ${WEIGHTS.map(hybrid).join(' | ')} |`);
    }
  }

  if (args.includes('--paired')) {
    // Repeats once against once per occurrence, query by query: mean difference and its standard error.
    const dense = denseByName.values().next().value as Candidate[][];
    const listsWith = (count: boolean) =>
      data.queries.map((q) => {
        const query = new Map<number, number>();
        for (const [term, weight] of lexicalQueryTermsWith(q.text, LEXICAL_ANALYZER_2, { ...QUERY_WEIGHTS_2, char: charWeight, countRepeats: count })) {
          const id = index.termId(term);
          if (id !== undefined) query.set(id, weight);
        }
        return index.search(query, CANDIDATES, scores);
      });
    const once = listsWith(false);
    const each = listsWith(true);
    const perQuery = (lists: Array<Array<{ id: number }>>) =>
      data.queries.map((q, i) => evaluate(new Map([[q.id, lists[i].slice(0, LIMIT).map((c) => data.corpus[c.id].id)]]), { ...data, queries: [q] }, []).ndcg10);
    for (const [label, a, b] of [
      ['lexical', perQuery(once), perQuery(each)],
      ['hybrid w=0.3', perQuery(data.queries.map((_, i) => fuse(dense[i], once[i], 0.3))), perQuery(data.queries.map((_, i) => fuse(dense[i], each[i], 0.3)))],
    ] as Array<[string, number[], number[]]>) {
      const d = a.map((x, i) => x - b[i]);
      const mean = d.reduce((s2, x) => s2 + x, 0) / d.length;
      const se = Math.sqrt(d.reduce((s2, x) => s2 + (x - mean) ** 2, 0) / (d.length - 1) / d.length);
      const changed = d.filter((x) => x !== 0).length;
      console.log(`paired ${label}: once - per occurrence = ${mean.toFixed(4)} +- ${se.toFixed(4)} (standard error), ${changed} of ${d.length} queries change, ${d.filter((x) => x > 0).length} up`);
    }
  }

  if (args.includes('--rerank')) {
    const dense = denseByName.values().next().value as Candidate[][];
    console.log('\n| proximity rerank of the fused top 100 (first dense variant) | w=0.3 |');
    console.log('|---|---|');
    for (const window of [4, 8, 16]) {
      const prox = proximityScorer(window);
      for (const lambda of [0.05, 0.1, 0.2]) {
        const rerank = (i: number, fused: Fused[]): Fused[] =>
          fused
            .map((c) => ({ ...c, score: c.score + lambda * prox(data.queries[i].text, texts[c.id]) }))
            .sort((a, b) => b.score - a.score || a.id - b.id);
        console.log(`| window ${window}, +${lambda} x proximity | ${f(hybridAt(dense, 0.3, rerank))} |`);
      }
    }
  }
}

main();
