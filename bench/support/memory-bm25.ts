/** The studies' in-memory retrieval: BM25 over an inverted index, and exact cosine over a dense matrix. */
import type { Candidate } from '@fjord/search/retrieval/search.repository';

export const K1 = 1.2;
export const B = 0.75;

/** BM25 over an in-memory inverted index; `fieldOf` splits terms into fields with their own lengths. */
export class MemoryBm25 {
  private readonly termIds = new Map<string, number>();
  private readonly terms: string[] = [];
  private readonly postings: Array<{ docs: number[]; tfs: number[] }> = [];
  private readonly termField: number[] = [];
  private readonly termK1: number[] = [];
  private readonly lengths: Float64Array[];
  private readonly avgdl: number[];
  readonly docTerms: Array<Map<number, number>> = [];

  constructor(
    docs: string[][],
    private readonly fieldOf: (term: string) => number,
    fields: number,
    private readonly k1 = K1,
    private readonly b = B,
    /** BM25+'s lower bound: every matching term adds at least delta x its idf, however long the document. */
    private readonly delta = 0,
    /** k1 per term, overriding `k1` (terms that saturate fast, such as single characters, may want a smaller one). */
    k1Of?: (term: string) => number,
  ) {
    this.lengths = Array.from({ length: fields }, () => new Float64Array(docs.length));
    docs.forEach((terms, d) => {
      const counts = new Map<number, number>();
      for (const term of terms) {
        let id = this.termIds.get(term);
        if (id === undefined) {
          id = this.postings.length;
          this.termIds.set(term, id);
          this.terms.push(term);
          this.postings.push({ docs: [], tfs: [] });
          this.termField.push(fieldOf(term));
          this.termK1.push(k1Of ? k1Of(term) : k1);
        }
        counts.set(id, (counts.get(id) ?? 0) + 1);
        this.lengths[this.termField[id]][d]++;
      }
      for (const [id, tf] of counts) {
        this.postings[id].docs.push(d);
        this.postings[id].tfs.push(tf);
      }
      this.docTerms.push(counts);
    });
    this.avgdl = this.lengths.map((l) => Math.max(1, l.reduce((s, x) => s + x, 0) / docs.length));
  }

  get size(): number {
    return this.docTerms.length;
  }

  idfOf(id: number): number {
    const df = this.postings[id].docs.length;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  termId(term: string): number | undefined {
    return this.termIds.get(term);
  }

  termOf(id: number): string {
    return this.terms[id];
  }

  /** `query`: term id -> weight (count x kind weight); the top `k` by BM25. */
  search(query: Map<number, number>, k: number, scores: Float64Array): Candidate[] {
    const touched: number[] = [];
    for (const [id, weight] of query) {
      const field = this.termField[id];
      const { b, delta } = this;
      const k1 = this.termK1[id];
      const w = weight * this.idfOf(id) * (k1 + 1);
      const floor = weight * this.idfOf(id) * delta;
      const { docs, tfs } = this.postings[id];
      const lengths = this.lengths[field];
      const avgdl = this.avgdl[field];
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i];
        if (scores[d] === 0) touched.push(d);
        scores[d] += (w * tfs[i]) / (tfs[i] + k1 * (1 - b + (b * lengths[d]) / avgdl)) + floor;
      }
    }
    const out = touched.map((d) => ({ id: d, score: scores[d] }));
    for (const d of touched) scores[d] = 0;
    return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
  }
}

export function topByCosine(matrix: Float32Array, vector: number[], count: number, k: number): Candidate[] {
  const out: Candidate[] = [];
  const dim = vector.length;
  const scores = new Float64Array(count);
  for (let d = 0; d < count; d++) {
    let dot = 0;
    const base = d * dim;
    for (let j = 0; j < dim; j++) dot += matrix[base + j] * vector[j];
    scores[d] = dot;
  }
  for (let d = 0; d < count; d++) out.push({ id: d, score: scores[d] });
  return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
}
