import { PostingHeads, PruningOptions, prunedLexical } from './bm25';
import type { Candidate, LexicalQuery } from './search.repository';

type Postings = Map<string, Map<number, { tf: number; len: number }>>;
const K1 = 1.2;
const B = 0.75;
const AVGDL = 48;

/** An in-memory posting index scoring exactly like SearchRepository.lexical / lexicalFor / postingHeads. */
class MemoryPostings {
  calls: string[] = [];
  version = 1;
  constructor(private readonly postings: Postings) {}

  private factor(tf: number, len: number): number {
    return tf / (tf + K1 * (1 - B + (B * len) / AVGDL));
  }

  private score(query: Pick<LexicalQuery, 'terms' | 'weights'>, only?: Set<number>): Map<number, number> {
    const scores = new Map<number, number>();
    query.terms.forEach((term, i) => {
      for (const [id, { tf, len }] of this.postings.get(term) ?? []) {
        if (only && !only.has(id)) continue;
        scores.set(id, (scores.get(id) ?? 0) + query.weights[i] * this.factor(tf, len));
      }
    });
    return scores;
  }

  async lexical(query: LexicalQuery): Promise<Candidate[]> {
    this.calls.push(`lexical:${query.terms.join(',')}`);
    return [...this.score(query)].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id).slice(0, query.k);
  }

  /** How many points each lexicalFor call looked up. */
  lookedUp: number[] = [];

  async lexicalFor(query: Pick<LexicalQuery, 'terms' | 'weights'>, ids: number[]): Promise<Map<number, number>> {
    this.calls.push(`lexicalFor:${query.terms.join(',')}`);
    this.lookedUp.push(ids.length);
    return this.score(query, new Set(ids));
  }

  async postingHeads(_query: unknown, terms: string[], limit: number): Promise<{ version: number; heads: Map<string, Candidate[]> }> {
    this.calls.push(`heads:${terms.join(',')}:${limit}`);
    const heads = new Map(
      terms.map((term) => [
        term,
        [...(this.postings.get(term) ?? [])]
          .map(([id, { tf, len }]) => ({ id, score: this.factor(tf, len) }))
          .sort((a, b) => b.score - a.score || a.id - b.id)
          .slice(0, limit),
      ]),
    );
    return { version: this.version, heads };
  }

  df(): Map<string, number> {
    return new Map([...this.postings].map(([term, list]) => [term, list.size]));
  }
}

function build(add: (put: (term: string, id: number, tf: number, len: number) => void) => void): MemoryPostings {
  const map: Postings = new Map();
  add((term, id, tf, len) => {
    if (!map.has(term)) map.set(term, new Map());
    (map.get(term) as Map<number, { tf: number; len: number }>).set(id, { tf, len });
  });
  return new MemoryPostings(map);
}

/** 200 points: "fjord" in all of them, "deep" in half, "glacier" in eight, "moraine" in two. */
function corpus(): MemoryPostings {
  return build((put) => {
    for (let id = 1; id <= 200; id++) {
      const len = 40 + (id % 17);
      put('fjord', id, 1 + (id % 3), len);
      if (id % 2 === 0) put('deep', id, 1 + (id % 5), len);
      if (id % 25 === 0) put('glacier', id, 1 + (id % 2), len);
    }
    put('moraine', 50, 2, 40 + (50 % 17));
    put('moraine', 7, 1, 40 + (7 % 17));
  });
}

const N = 200;
const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
/** Small enough that "fjord" (200 postings) and "deep" (100) are long lists here. */
const SMALL: PruningOptions = { minLongList: 50, minHead: 8 };

function query(terms: string[], df: Map<string, number>, k: number, n = N): LexicalQuery {
  return { collectionId: 1, terms, weights: terms.map((t) => idf(n, df.get(t) as number) * (K1 + 1)), k, k1: K1, b: B, avgdl: AVGDL };
}

const headsOf = (postings: MemoryPostings) => async (terms: string[], limit: number) => (await postings.postingHeads(null, terms, limit)).heads;

function expectSameScores(actual: Candidate[], expected: Candidate[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((c, i) => expect(c.score).toBeCloseTo(expected[i].score, 10));
}

describe('prunedLexical', () => {
  it('returns the unpruned top-k without scanning the long lists: their heads and key lookups suffice', async () => {
    const postings = corpus();
    const df = postings.df();
    const q = query(['moraine', 'fjord'], df, 2);
    const expected = await postings.lexical(q);
    postings.calls = [];
    const pruned = await prunedLexical(postings, headsOf(postings), q, df, SMALL);
    expect(pruned).toEqual(expected.map((c, i) => ({ id: c.id, score: pruned[i].score })));
    expectSameScores(pruned, expected);
    expect(postings.calls).toEqual(['lexical:moraine', 'heads:fjord:8', 'lexicalFor:moraine,fjord']);
  });

  it('proves a query of long lists only from their heads', async () => {
    const postings = corpus();
    const df = postings.df();
    const q = query(['deep', 'fjord'], df, 3);
    const expected = await postings.lexical(q);
    postings.calls = [];
    const pruned = await prunedLexical(postings, headsOf(postings), q, df, SMALL);
    expectSameScores(pruned, expected);
    expect(postings.calls).not.toContain('lexical:deep,fjord');
  });

  it('falls back to the full query when a point outside the candidates could still win', async () => {
    const postings = corpus();
    const df = postings.df();
    // k = 20 but the candidates are the 8 "glacier" points and two heads of 8: too few to prove anything.
    const q = query(['glacier', 'deep', 'fjord'], df, 20);
    const expected = await postings.lexical(q);
    postings.calls = [];
    const pruned = await prunedLexical(postings, headsOf(postings), q, df, { minLongList: 50, minHead: 2 });
    expect(pruned).toEqual(expected);
    expect(postings.calls[postings.calls.length - 1]).toBe('lexical:glacier,deep,fjord');
  });

  it('leaves short-list queries and filtered queries to the full query', async () => {
    const postings = corpus();
    const df = postings.df();
    for (const q of [query(['moraine', 'glacier'], df, 5), { ...query(['moraine', 'fjord'], df, 5), documentIds: [1, 2] }]) {
      postings.calls = [];
      await prunedLexical(postings, headsOf(postings), q, df, SMALL);
      expect(postings.calls).toEqual([`lexical:${q.terms.join(',')}`]);
    }
  });

  it('agrees with the full query on every rank over random corpora and queries', async () => {
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const vocabulary = Array.from({ length: 30 }, (_, i) => `t${i}`);
    const paths = { topSetOnly: 0, contenders: 0, fullQuery: 0 };
    for (let round = 0; round < 200; round++) {
      const postings = build((put) => {
        for (let id = 1; id <= 300; id++) {
          // Few distinct lengths and mostly tf 1: ties, as real chunks of one template have.
          const len = 20 + 10 * Math.floor(random() * (round % 2 === 0 ? 3 : 60));
          vocabulary.forEach((term, rank) => {
            // Term i is in about 1/(i+1) of the points: a few long lists, many short ones.
            if (random() < 1 / (rank + 1)) put(term, id, 1 + Math.floor(random() * random() * 4), len);
          });
        }
      });
      const df = postings.df();
      const terms = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => vocabulary[Math.floor(random() * 12)]))];
      const q = query(terms, df, 1 + Math.floor(random() * 10), 300);
      const expected = await postings.lexical(q);
      postings.calls = [];
      postings.lookedUp = [];
      const actual = await prunedLexical(postings, headsOf(postings), q, df, { minLongList: 40, minHead: 8 });
      expectSameScores(actual, expected);
      if (!postings.calls.some((c) => c.startsWith('heads:'))) continue;
      if (postings.calls[postings.calls.length - 1] === `lexical:${terms.join(',')}`) paths.fullQuery++;
      else {
        // One lookup: the proven top-k alone, or the contenders.
        expect(postings.lookedUp).toEqual([expect.any(Number)]);
        if (postings.lookedUp[0] <= q.k) paths.topSetOnly++;
        else paths.contenders++;
      }
    }
    // The property is only interesting if every path ran.
    expect(paths.topSetOnly).toBeGreaterThan(5);
    expect(paths.contenders).toBeGreaterThan(0);
    expect(paths.fullQuery).toBeGreaterThan(5);
  });
});

describe('PostingHeads', () => {
  const q = { collectionId: 1, k1: K1, b: B, avgdl: AVGDL };

  it('reads a head once per version and limit, and serves shorter limits from it', async () => {
    const postings = corpus();
    const heads = new PostingHeads(postings);
    const first = await heads.get(q, 1, ['fjord'], 10);
    expect(first.get('fjord')).toHaveLength(10);
    expect((await heads.get(q, 1, ['fjord'], 4)).get('fjord')).toEqual(first.get('fjord')?.slice(0, 4));
    await heads.get(q, 1, ['fjord', 'deep'], 10);
    await heads.get(q, 1, ['fjord'], 20);
    expect(postings.calls).toEqual(['heads:fjord:10', 'heads:deep:10', 'heads:fjord:20']);
    await heads.get(q, 2, ['fjord'], 4);
    expect(postings.calls[postings.calls.length - 1]).toBe('heads:fjord:4');
  });

  it('empties itself rather than hold more postings than its budget', async () => {
    const postings = corpus();
    const heads = new PostingHeads(postings, 25);
    await heads.get(q, 1, ['fjord'], 10);
    await heads.get(q, 1, ['deep'], 10);
    await heads.get(q, 1, ['fjord', 'deep'], 10); // both cached: 20 postings
    await heads.get(q, 1, ['glacier'], 10); // 8 more would pass 25: everything is dropped first
    await heads.get(q, 1, ['glacier'], 10);
    await heads.get(q, 1, ['fjord'], 10);
    expect(postings.calls).toEqual(['heads:fjord:10', 'heads:deep:10', 'heads:glacier:10', 'heads:fjord:10']);
  });

  it('does not keep a head read at another version than the one asked for', async () => {
    const postings = corpus();
    postings.version = 3;
    const heads = new PostingHeads(postings);
    expect((await heads.get(q, 2, ['fjord'], 5)).get('fjord')).toHaveLength(5);
    await heads.get(q, 2, ['fjord'], 5);
    expect(postings.calls).toEqual(['heads:fjord:5', 'heads:fjord:5']);
  });
});
