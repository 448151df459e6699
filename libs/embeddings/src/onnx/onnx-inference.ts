/**
 * The arithmetic around an ONNX transformer that does not need the runtime: fitting encoded texts
 * into one padded batch, pooling token vectors into one vector, and normalising. The worker thread
 * (onnx-runner.worker.ts) glues these to the tokenizer and the session; they live apart so they can
 * be checked without a model.
 */

/** One text (or query-passage pair) as the tokenizer encoded it, special tokens included. */
export interface EncodedText {
  ids: number[];
  attentionMask: number[];
  tokenTypeIds?: number[];
}

/** A padded batch, row-major `[rows, width]`, ready to become int64 tensors. */
export interface PaddedBatch {
  rows: number;
  width: number;
  inputIds: number[];
  attentionMask: number[];
  tokenTypeIds: number[];
}

/**
 * Cuts an encoding to `maxTokens`, keeping its last token: the closing special token ([SEP], </s>)
 * that the model was trained to see at the end. For a pair the passage is what gets cut, as it comes
 * last.
 */
export function truncateEncoding(encoded: EncodedText, maxTokens: number): EncodedText {
  if (encoded.ids.length <= maxTokens) return encoded;
  const cut = <T>(values: T[]) => [...values.slice(0, maxTokens - 1), values[values.length - 1]];
  return {
    ids: cut(encoded.ids),
    attentionMask: cut(encoded.attentionMask),
    ...(encoded.tokenTypeIds ? { tokenTypeIds: cut(encoded.tokenTypeIds) } : {}),
  };
}

/** Pads every row to the longest with `padId` and a zero mask, so padding never counts. */
export function padBatch(encoded: EncodedText[], padId: number): PaddedBatch {
  const width = Math.max(1, ...encoded.map((e) => e.ids.length));
  const inputIds: number[] = [];
  const attentionMask: number[] = [];
  const tokenTypeIds: number[] = [];
  for (const e of encoded) {
    const padding = width - e.ids.length;
    inputIds.push(...e.ids, ...new Array<number>(padding).fill(padId));
    attentionMask.push(...e.attentionMask, ...new Array<number>(padding).fill(0));
    tokenTypeIds.push(...(e.tokenTypeIds ?? new Array<number>(e.ids.length).fill(0)), ...new Array<number>(padding).fill(0));
  }
  return { rows: encoded.length, width, inputIds, attentionMask, tokenTypeIds };
}

export type Pooling = 'cls' | 'mean';

/**
 * One vector per row of `hidden` (`[rows, width, dimension]`, row-major): the first token's (CLS
 * pooling, bge) or the mean over the tokens the mask keeps (mean pooling, e5, MiniLM).
 */
export function pool(hidden: Float32Array, rows: number, width: number, dimension: number, attentionMask: number[], pooling: Pooling): Float32Array[] {
  const vectors: Float32Array[] = [];
  for (let row = 0; row < rows; row++) {
    const rowStart = row * width * dimension;
    if (pooling === 'cls') {
      vectors.push(hidden.slice(rowStart, rowStart + dimension));
      continue;
    }
    const sum = new Float32Array(dimension);
    let kept = 0;
    for (let token = 0; token < width; token++) {
      if (attentionMask[row * width + token] === 0) continue;
      kept++;
      const start = rowStart + token * dimension;
      for (let d = 0; d < dimension; d++) sum[d] += hidden[start + d];
    }
    if (kept > 0) for (let d = 0; d < dimension; d++) sum[d] /= kept;
    vectors.push(sum);
  }
  return vectors;
}

/** Scales to unit length (cosine = dot product); a zero vector stays zero. */
export function normalize(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const v of vector) squares += v * v;
  if (squares === 0) return vector;
  const scale = 1 / Math.sqrt(squares);
  return vector.map((v) => v * scale);
}

/**
 * The pooling a sentence-transformers model declares in 1_Pooling/config.json, when it is one fjord
 * can do; undefined otherwise (the caller falls back to its default).
 */
export function poolingFromSentenceTransformers(config: Record<string, unknown>): Pooling | undefined {
  if (config.pooling_mode_cls_token === true) return 'cls';
  if (config.pooling_mode_mean_tokens === true) return 'mean';
  return undefined;
}

/** The score of a cross-encoder's logits row: sigmoid of the single logit, or of the last one of several (the "relevant" label). */
export function relevanceFromLogits(logits: Float32Array, rows: number): number[] {
  const labels = logits.length / rows;
  return Array.from({ length: rows }, (_, row) => 1 / (1 + Math.exp(-logits[row * labels + labels - 1])));
}
