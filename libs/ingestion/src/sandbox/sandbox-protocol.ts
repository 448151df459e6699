import type { Chunk, ChunkOptions } from '../chunking/chunk';
import type { DocType } from '../parsers/doc-type';
import type { DocumentLimits } from '../parsers/document-limits';

/** Parent -> child: one document to parse and chunk. */
export interface ParseRequest {
  type: 'parse';
  /**
   * The parent consumes chunks as they come: after each `chunks` message the child waits for an
   * `ack` before it sends the next, so neither process queues up a whole document's chunks.
   */
  streaming?: boolean;
  /** The document: its bytes, or a file to read them from (large files do not travel over IPC). */
  bytes?: Uint8Array;
  path?: string;
  docType: DocType;
  chunkOptions: ChunkOptions;
  limits: DocumentLimits;
  /** Text of pages already recognised by OCR (1-based page -> text). */
  ocrText?: Record<number, string>;
}

/** What the sandbox reports while it works; `pagesTotal` is 0 for formats without pages. */
export interface ParseProgress {
  stage: 'parsing' | 'chunking';
  pagesDone: number;
  pagesTotal: number;
}

/** Parent -> child, in streaming mode: the last chunk batch was consumed; send the next. */
export interface ChunksAck {
  type: 'ack';
}

/** Child -> parent. Chunks travel in batches so no single message holds a whole large document. */
export type ParseReply =
  | ({ type: 'progress' } & ParseProgress)
  | { type: 'chunks'; chunks: Chunk[] }
  | { type: 'done'; title?: string }
  | { type: 'failed'; failedCode: number; reason: string; permanent: boolean }
  | { type: 'needs-ocr'; pages: number[]; pageCount: number };

export const CHUNK_BATCH = 256;
