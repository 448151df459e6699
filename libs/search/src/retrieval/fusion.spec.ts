import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import { LEARNED_DENSE_WEIGHT, LOCAL_DENSE_WEIGHT, defaultDenseWeight, fuse } from './fusion';

const dense = [
  { id: 1, score: 0.9 },
  { id: 2, score: 0.5 },
  { id: 3, score: 0.4 },
];
const lexical = [
  { id: 3, score: 12 },
  { id: 4, score: 6 },
  { id: 1, score: 2 },
];

describe('fuse', () => {
  it('dense_weight 0 ranks by BM25 alone and drops dense-only points', () => {
    const fused = fuse(dense, lexical, 0);
    expect(fused.map((f) => f.id)).toEqual([3, 4, 1]);
    expect(fused.map((f) => f.score)).toEqual([1, 0.4, 0]);
  });

  it('dense_weight 1 ranks by cosine alone and drops lexical-only points', () => {
    const fused = fuse(dense, lexical, 1);
    expect(fused.map((f) => f.id)).toEqual([1, 2, 3]);
    expect(fused.map((f) => f.score)).toEqual([0.9, 0.5, 0.4]);
  });

  it('dense_weight 0.5 blends raw cosine with min-max BM25 and keeps both signals', () => {
    const fused = fuse(dense, lexical, 0.5);
    const byId = new Map(fused.map((f) => [f.id, f]));
    expect(byId.get(3)?.score).toBeCloseTo(0.5 * 0.4 + 0.5 * 1, 12);
    expect(byId.get(1)?.score).toBeCloseTo(0.5 * 0.9 + 0.5 * 0, 12);
    expect(byId.get(4)?.score).toBeCloseTo(0.5 * 0.4, 12);
    expect(byId.get(2)?.score).toBeCloseTo(0.25, 12);
    expect(fused.map((f) => f.id)).toEqual([3, 1, 2, 4]);
    expect(byId.get(3)).toMatchObject({ dense: { rank: 3, score: 0.4 }, lexical: { rank: 1, score: 12 } });
    expect(byId.get(2)?.lexical).toBeUndefined();
  });

  it('rrf uses ranks only, weighted', () => {
    const fused = fuse(dense, lexical, 0.5, 'rrf');
    const byId = new Map(fused.map((f) => [f.id, f.score]));
    expect(byId.get(1)).toBeCloseTo(0.5 / 61 + 0.5 / 63, 12);
    expect(byId.get(3)).toBeCloseTo(0.5 / 63 + 0.5 / 61, 12);
  });

  it('breaks ties by point id and survives empty lists', () => {
    expect(fuse([{ id: 9, score: 0.3 }, { id: 7, score: 0.3 }], [], 1).map((f) => f.id)).toEqual([7, 9]);
    expect(fuse([], [], 0.5)).toEqual([]);
  });
});

describe('defaultDenseWeight', () => {
  it('follows the embedder: the hashing embedder only nudges BM25, a learned model gets an equal share', () => {
    expect(defaultDenseWeight(LOCAL_EMBEDDING_MODEL)).toBe(LOCAL_DENSE_WEIGHT);
    expect(defaultDenseWeight('text-embedding-3-small')).toBe(LEARNED_DENSE_WEIGHT);
    expect(LOCAL_DENSE_WEIGHT).toBeLessThan(LEARNED_DENSE_WEIGHT);
  });
});
