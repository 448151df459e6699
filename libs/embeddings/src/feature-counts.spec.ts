import { FeatureCounts } from './feature-counts';

describe('FeatureCounts', () => {
  it('counts repeated hashes, including values above 2^31, and grows past its initial capacity', () => {
    const counts = new FeatureCounts(16);
    const expected = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const hash = (Math.imul(i % 1234, 0x9e3779b1) ^ 0x80000000) >>> 0;
      counts.add(hash);
      expected.set(hash, (expected.get(hash) ?? 0) + 1);
    }
    const seen = new Map<number, number>();
    counts.forEach((hash, count) => seen.set(hash, count));
    expect(counts.size).toBe(1234);
    expect(seen).toEqual(expected);
  });

  it('is empty again after clear', () => {
    const counts = new FeatureCounts();
    counts.add(1);
    counts.add(1);
    counts.clear();
    counts.add(1);
    const seen: Array<[number, number]> = [];
    counts.forEach((hash, count) => seen.push([hash, count]));
    expect(seen).toEqual([[1, 1]]);
  });
});
