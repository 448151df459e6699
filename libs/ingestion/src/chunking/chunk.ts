import type { PointPosition } from '@fjord/knowledge/points/point-position';

/** One retrievable piece of a document: becomes a point (chunk_id, chunk_title, content). */
export interface Chunk {
  /** 0-based order in the document. */
  chunkId: number;
  /** Heading path such as `Install > Linux`; the document title when there is no heading. */
  title: string;
  content: string;
  /** o200k_base tokens of `content` (countTokens), never more than the chunk length. */
  tokenCount: number;
  /** Pages (or sheet rows, slide) the chunk came from, for formats that have them. */
  position?: PointPosition;
}

export interface ChunkOptions {
  /** Maximum tokens of content per chunk (the collection's `chunk_length`). */
  chunkLength: number;
  /** Merge adjacent small chunks of the same top-level section (`merge_small_chunks`). */
  mergeSmallChunks: boolean;
}

export const DEFAULT_CHUNK_OPTIONS: Readonly<ChunkOptions> = { chunkLength: 500, mergeSmallChunks: true };

/**
 * The smallest chunk length accepted: one code point can take 4 tokens, and a table chunk must
 * fit its header row with room to spare.
 */
export const MIN_CHUNK_LENGTH = 16;
