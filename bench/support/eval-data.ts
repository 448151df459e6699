/** Retrieval eval data sets (BEIR folders, SQuAD-style JSON) and their metrics, shared by the eval and the lexical study. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { percentile } from './bench-harness';

export interface Dataset {
  name: string;
  corpus: Array<{ id: string; title: string; text: string }>;
  queries: Array<{ id: string; text: string }>;
  /** query id -> (doc id -> graded relevance) */
  qrels: Map<string, Map<string, number>>;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

export function loadBeir(dir: string): Dataset {
  const corpus = readJsonl<{ _id: string; title?: string; text: string }>(join(dir, 'corpus.jsonl')).map((d) => ({ id: String(d._id), title: d.title ?? '', text: d.text }));
  const qrels = new Map<string, Map<string, number>>();
  const lines = readFileSync(join(dir, existsSync(join(dir, 'qrels.tsv')) ? 'qrels.tsv' : 'qrels/test.tsv'), 'utf8').split('\n').slice(1);
  for (const line of lines) {
    const [qid, did, score] = line.trim().split('\t');
    if (!qid || !did) continue;
    if (Number(score) <= 0) continue;
    if (!qrels.has(qid)) qrels.set(qid, new Map());
    qrels.get(qid)?.set(did, Number(score));
  }
  const queries = readJsonl<{ _id: string; text: string }>(join(dir, 'queries.jsonl'))
    .map((q) => ({ id: String(q._id), text: q.text }))
    .filter((q) => qrels.has(q.id));
  return { name: dir, corpus, queries, qrels };
}

interface Squad {
  data: Array<{ title?: string; paragraphs: Array<{ id?: string; context: string; qas: Array<{ id: string; question: string }> }> }>;
}

export function loadSquad(file: string): Dataset {
  const squad = JSON.parse(readFileSync(file, 'utf8')) as Squad;
  const corpus: Dataset['corpus'] = [];
  const queries: Dataset['queries'] = [];
  const qrels = new Map<string, Map<string, number>>();
  squad.data.forEach((article, a) =>
    article.paragraphs.forEach((paragraph, p) => {
      const id = paragraph.id && article.paragraphs.length === 1 ? paragraph.id : `${paragraph.id ?? `a${a}`}_p${p}`;
      corpus.push({ id, title: article.title ?? '', text: paragraph.context });
      for (const qa of paragraph.qas) {
        if (qa.question.trim() === '') continue; // a few SQuAD-style files carry empty questions
        queries.push({ id: qa.id, text: qa.question });
        qrels.set(qa.id, new Map([[id, 1]]));
      }
    }),
  );
  return { name: file, corpus, queries, qrels };
}

/** Doc ids become Viking doc_ids; anything outside [\w.:@-] is replaced (and mapped back). */
export function docIdOf(id: string): string {
  return id.replace(/[^\w.:@-]/g, '_').slice(0, 128) || '_';
}

export interface Metrics {
  ndcg10: number;
  r10: number;
  r100: number;
  mrr: number;
  p50: number;
  p95: number;
}

export function evaluate(ranked: Map<string, string[]>, data: Dataset, latencies: number[]): Metrics {
  let ndcg = 0;
  let r10 = 0;
  let r100 = 0;
  let mrr = 0;
  for (const q of data.queries) {
    const rel = data.qrels.get(q.id) as Map<string, number>;
    const docs = ranked.get(q.id) ?? [];
    let dcg = 0;
    docs.slice(0, 10).forEach((d, i) => {
      const g = rel.get(d) ?? 0;
      dcg += (2 ** g - 1) / Math.log2(i + 2);
    });
    const ideal = [...rel.values()].sort((a, b) => b - a).slice(0, 10);
    const idcg = ideal.reduce((sum, g, i) => sum + (2 ** g - 1) / Math.log2(i + 2), 0);
    ndcg += idcg > 0 ? dcg / idcg : 0;
    r10 += docs.slice(0, 10).filter((d) => rel.has(d)).length / rel.size;
    r100 += docs.slice(0, 100).filter((d) => rel.has(d)).length / rel.size;
    const first = docs.findIndex((d) => rel.has(d));
    mrr += first >= 0 ? 1 / (first + 1) : 0;
  }
  const n = data.queries.length;
  const sorted = [...latencies].sort((a, b) => a - b);
  return { ndcg10: ndcg / n, r10: r10 / n, r100: r100 / n, mrr: mrr / n, p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/** A BEIR folder or a SQuAD-style JSON file, by what the path is. */
export function loadDataset(path: string): Dataset {
  return statSync(path).isDirectory() ? loadBeir(path) : loadSquad(path);
}
