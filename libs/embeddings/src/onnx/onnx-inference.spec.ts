import { normalize, padBatch, pool, poolingFromSentenceTransformers, relevanceFromLogits, truncateEncoding } from './onnx-inference';

describe('ONNX runner arithmetic', () => {
  it('truncateEncoding keeps the first tokens and the closing one; short encodings stay as they are', () => {
    const encoded = { ids: [101, 1, 2, 3, 4, 102], attentionMask: [1, 1, 1, 1, 1, 1], tokenTypeIds: [0, 0, 0, 1, 1, 1] };
    expect(truncateEncoding(encoded, 4)).toEqual({ ids: [101, 1, 2, 102], attentionMask: [1, 1, 1, 1], tokenTypeIds: [0, 0, 0, 1] });
    expect(truncateEncoding(encoded, 6)).toBe(encoded);
  });

  it('padBatch pads to the longest row with a zero mask and zero token types', () => {
    const batch = padBatch([{ ids: [5, 6, 7], attentionMask: [1, 1, 1] }, { ids: [8], attentionMask: [1], tokenTypeIds: [1] }], 0);
    expect(batch).toEqual({ rows: 2, width: 3, inputIds: [5, 6, 7, 8, 0, 0], attentionMask: [1, 1, 1, 1, 0, 0], tokenTypeIds: [0, 0, 0, 1, 0, 0] });
  });

  it('mean pooling averages only the tokens the mask keeps; CLS pooling takes the first token', () => {
    // 2 rows x 3 tokens x 2 dims; row 2's last token is padding with a large value that must not count.
    const hidden = Float32Array.from([1, 0, 3, 0, 5, 0, 0, 2, 0, 4, 99, 99]);
    const mask = [1, 1, 1, 1, 1, 0];
    expect(pool(hidden, 2, 3, 2, mask, 'mean').map((v) => Array.from(v))).toEqual([
      [3, 0],
      [0, 3],
    ]);
    expect(pool(hidden, 2, 3, 2, mask, 'cls').map((v) => Array.from(v))).toEqual([
      [1, 0],
      [0, 2],
    ]);
  });

  it('normalize scales to unit length and leaves a zero vector alone', () => {
    expect(Array.from(normalize(Float32Array.from([3, 4])))).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(Array.from(normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
  });

  it('reads the pooling of sentence-transformers 1_Pooling/config.json', () => {
    expect(poolingFromSentenceTransformers({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false })).toBe('cls');
    expect(poolingFromSentenceTransformers({ pooling_mode_cls_token: false, pooling_mode_mean_tokens: true })).toBe('mean');
    expect(poolingFromSentenceTransformers({ pooling_mode_max_tokens: true })).toBeUndefined();
  });

  it('relevance is the sigmoid of the single logit, or of the last label of several', () => {
    expect(relevanceFromLogits(Float32Array.from([0, 2]), 2)).toEqual([0.5, expect.closeTo(0.8808, 4)]);
    expect(relevanceFromLogits(Float32Array.from([5, -1, 0, 3]), 2)).toEqual([expect.closeTo(0.2689, 4), expect.closeTo(0.9526, 4)]);
  });
});
