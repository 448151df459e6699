import { DocumentFrequencies, idf, queryTerms } from './bm25';
import type { LexicalStats } from './search.repository';

describe('bm25 helpers', () => {
  it('idf is Lucene-style and positive even for a term in every document', () => {
    expect(idf(10, 1)).toBeCloseTo(Math.log(1 + 9.5 / 1.5), 12);
    expect(idf(10, 10)).toBeGreaterThan(0);
  });

  it('counts repeated query terms after analysis under version 1, once under version 2', () => {
    expect([...queryTerms('Glaciers and the glacier')]).toEqual([['glacier', 2]]);
    expect([...queryTerms('Glaciers and the glacier', 2)]).toEqual([['glacier', 1]]);
  });
});

describe('DocumentFrequencies', () => {
  /** A stand-in for the repository: a versioned df table, recording which terms were counted. */
  function store() {
    const state = { version: 1, df: new Map([['a', 3], ['b', 5]]), settled: true, asked: [] as string[][] };
    const repository = {
      lexicalStats: async (_collectionId: number, terms: string[]): Promise<LexicalStats> => {
        state.asked.push(terms);
        return { docCount: 10, totalLength: 100, version: state.version, df: new Map(terms.map((t) => [t, state.df.get(t) ?? 0])), settled: state.settled };
      },
    };
    return { state, cache: new DocumentFrequencies(repository) };
  }

  it('counts each term once per version', async () => {
    const { state, cache } = store();
    expect((await cache.stats(1, ['a', 'b'])).df).toEqual(new Map([['a', 3], ['b', 5]]));
    expect((await cache.stats(1, ['a', 'c'])).df).toEqual(new Map([['a', 3], ['c', 0]]));
    expect(state.asked).toEqual([['a', 'b'], ['c']]);
  });

  it('recounts everything when the collection changed', async () => {
    const { state, cache } = store();
    await cache.stats(1, ['a', 'b']);
    state.version = 2;
    state.df.set('a', 4);
    expect((await cache.stats(1, ['a', 'b'])).df.get('a')).toBe(4);
    expect(state.asked).toEqual([['a', 'b'], [], ['a', 'b']]);
  });

  it('keeps no frequencies read while the hidden points changed: a new version is read again next time', async () => {
    const { state, cache } = store();
    state.version = 2;
    state.settled = false;
    state.df.set('a', 0);
    expect((await cache.stats(1, ['a'])).df.get('a')).toBe(0);
    state.settled = true;
    state.df.set('a', 4);
    expect((await cache.stats(1, ['a'])).df.get('a')).toBe(4);
    expect(state.asked).toEqual([['a'], ['a']]);
  });

  it('keeps what it knew at an unchanged version, and uses unsettled counts of new terms once', async () => {
    const { state, cache } = store();
    await cache.stats(1, ['a']);
    state.settled = false;
    expect((await cache.stats(1, ['a', 'b'])).df).toEqual(new Map([['a', 3], ['b', 5]]));
    state.settled = true;
    expect((await cache.stats(1, ['a', 'b'])).df).toEqual(new Map([['a', 3], ['b', 5]]));
    expect(state.asked).toEqual([['a'], ['b'], ['b']]);
  });
});
