import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { type CsvSource, streamCsv } from '../parsers/csv-stream';
import { type Chunk, MIN_CHUNK_LENGTH } from './chunk';
import { TableChunker } from './table-chunker';

/** Rows read before their chunks are handed on: a few hundred chunks at most. */
const BLOCK_ROWS = 2_000;

/**
 * A CSV file -> chunks, handed to `emit` a block at a time as the file is read (streamCsv), so a
 * file of any size is chunked in bounded memory. The chunks are chunkDocument's for the same table,
 * except where a row wider than all before it widens the header.
 */
export async function chunkCsvStream(
  source: CsvSource,
  chunkLength: number,
  emit: (chunks: Chunk[]) => Promise<void>,
  options: { blockRows?: number; sliceBytes?: number } = {},
): Promise<number> {
  if (!Number.isInteger(chunkLength) || chunkLength < MIN_CHUNK_LENGTH) {
    throw new RangeError(`chunkLength must be an integer >= ${MIN_CHUNK_LENGTH}, got ${chunkLength}`);
  }
  let chunker: TableChunker | undefined;
  let chunkerWidth = 0;
  let next = 0;
  const send = async (pieces: Array<{ content: string; tokenCount: number }>): Promise<void> => {
    if (pieces.length === 0) return;
    await emit(pieces.map((piece) => ({ chunkId: next++, title: '', content: piece.content, tokenCount: piece.tokenCount })));
  };
  const { rows } = await streamCsv(source, options.blockRows ?? BLOCK_ROWS, async (header, block) => {
    if (chunker && header.length !== chunkerWidth) await send(await chunker.end());
    if (!chunker || header.length !== chunkerWidth) {
      chunker = new TableChunker(header, chunkLength);
      chunkerWidth = header.length;
    }
    await send(await chunker.push(block));
  }, options.sliceBytes);
  if (chunker) await send(await chunker.end());
  if (rows === 0 && next === 0) throw new PermanentError(FailedCode.Empty, 'document is empty');
  return next;
}
