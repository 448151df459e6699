import { COMMON_TERM_SHARE, prunedLexical } from './bm25';
import type { Candidate, LexicalQuery } from './search.repository';

/** An in-memory posting index scoring exactly like SearchRepository.lexical / lexicalFor. */
class MemoryPostings {
  calls: string[] = [];
  constructor(private readonly postings: Map<string, Map<number, { tf: number; len: number }>>) {}

  private score(query: Omit<LexicalQuery, 'k' | 'documentIds'>, only?: Set<number>): Map<number, number> {
    const scores = new Map<number, number>();
    query.terms.forEach((term, i) => {
      for (const [id, { tf, len }] of this.postings.get(term) ?? []) {
        if (only && !only.has(id)) continue;
        const add = (query.weights[i] * tf) / (tf + query.k1 * (1 - query.b + (query.b * len) / query.avgdl));
        scores.set(id, (scores.get(id) ?? 0) + add);
      }
    });
    return scores;
  }

  async lexical(query: LexicalQuery): Promise<Candidate[]> {
    this.calls.push(`lexical:${query.terms.join(',')}`);
    return [...this.score(query)].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id).slice(0, query.k);
  }

  async lexicalFor(query: Omit<LexicalQuery, 'k' | 'documentIds'>, ids: number[]): Promise<Map<number, number>> {
    this.calls.push(`lexicalFor:${query.terms.join(',')}`);
    return this.score(query, new Set(ids));
  }
}

/** 200 points: "fjord" in all of them, "deep" in half, "glacier" in a few, "moraine" in two. */
function corpus(): { postings: MemoryPostings; df: Map<string, number>; n: number } {
  const map = new Map<string, Map<number, { tf: number; len: number }>>();
  const add = (term: string, id: number, tf: number) => {
    if (!map.has(term)) map.set(term, new Map());
    (map.get(term) as Map<number, { tf: number; len: number }>).set(id, { tf, len: 40 + (id % 17) });
  };
  for (let id = 1; id <= 200; id++) {
    add('fjord', id, 1 + (id % 3));
    if (id % 2 === 0) add('deep', id, 1 + (id % 5));
    if (id % 25 === 0) add('glacier', id, 1 + (id % 2));
  }
  add('moraine', 50, 2);
  add('moraine', 7, 1);
  const df = new Map([...map].map(([term, list]) => [term, list.size]));
  return { postings: new MemoryPostings(map), df, n: 200 };
}

const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

function query(terms: string[], df: Map<string, number>, n: number, k: number): LexicalQuery {
  return { collectionId: 1, terms, weights: terms.map((t) => idf(n, df.get(t) as number) * 2.2), k, k1: 1.2, b: 0.75, avgdl: 48 };
}

describe('prunedLexical', () => {
  it('returns exactly the unpruned top-k, skipping the common posting lists when the bound allows', async () => {
    const { postings, df, n } = corpus();
    expect(df.get('fjord')! / n).toBeGreaterThan(COMMON_TERM_SHARE);
    const q = query(['moraine', 'fjord'], df, n, 2);
    const expected = await postings.lexical(q);
    postings.calls = [];
    const pruned = await prunedLexical(postings, q, df, n);
    expect(pruned.map((c) => c.id)).toEqual(expected.map((c) => c.id));
    pruned.forEach((c, i) => expect(c.score).toBeCloseTo(expected[i].score, 10));
    // Phase one scanned only the rare list; "fjord" was looked up for the candidates alone.
    expect(postings.calls).toEqual(['lexical:moraine', 'lexicalFor:fjord']);
  });

  it('falls back to the full query when unseen points could still win', async () => {
    const { postings, df, n } = corpus();
    // k larger than the points holding a rare term: points with common terms only must compete.
    const q = query(['glacier', 'deep', 'fjord'], df, n, 20);
    const expected = await postings.lexical(q);
    postings.calls = [];
    const pruned = await prunedLexical(postings, q, df, n);
    expect(pruned).toEqual(expected);
    expect(postings.calls[postings.calls.length - 1]).toBe('lexical:glacier,deep,fjord');
  });

  it('leaves queries of only rare or only common terms to the plain query', async () => {
    const { postings, df, n } = corpus();
    for (const terms of [['moraine', 'glacier'], ['fjord', 'deep']]) {
      postings.calls = [];
      const q = query(terms, df, n, 5);
      expect(await prunedLexical(postings, q, df, n)).toEqual(await postings.lexical(q));
      expect(postings.calls[0]).toBe(`lexical:${terms.join(',')}`);
    }
  });
});
