import type { ParsedDocument } from '../parsers/parsed-document';
import { type Chunk, type ChunkOptions, DEFAULT_CHUNK_OPTIONS, MIN_CHUNK_LENGTH } from './chunk';
import { type DraftChunk, headingPath } from './draft-chunk';
import { splitMarkdownSections } from './markdown-sections';
import { mergeSmallChunks } from './small-chunk-merger';
import { chunkTable } from './table-chunker';
import { splitByTokens } from './token-splitter';

export type { Chunk, ChunkOptions } from './chunk';

/**
 * Parsed document -> ordered chunks of at most `chunkLength` tokens.
 *
 * Text is cut at Markdown headings first, and each section's heading path becomes the chunk
 * title; heading lines are not repeated in the content. Long sections are split by paragraph,
 * line, sentence and finally character (LangChain's recursive splitter, measured in tokens), with
 * no overlap. Tables repeat their header row in every chunk. Async only because LangChain's
 * splitter is; the work is CPU-bound and deterministic.
 */
export async function chunkDocument(doc: ParsedDocument, options: Partial<ChunkOptions> = {}): Promise<Chunk[]> {
  const chunkLength = options.chunkLength ?? DEFAULT_CHUNK_OPTIONS.chunkLength;
  const mergeSmall = options.mergeSmallChunks ?? DEFAULT_CHUNK_OPTIONS.mergeSmallChunks;
  if (!Number.isInteger(chunkLength) || chunkLength < MIN_CHUNK_LENGTH) {
    throw new RangeError(`chunkLength must be an integer >= ${MIN_CHUNK_LENGTH}, got ${chunkLength}`);
  }
  const documentTitle = doc.title ?? '';

  if (doc.kind === 'table') {
    const pieces = await chunkTable(doc.header, doc.rows, chunkLength);
    return pieces.map((piece, chunkId) => ({ chunkId, title: documentTitle, content: piece.content, tokenCount: piece.tokenCount }));
  }

  const drafts: DraftChunk[] = [];
  for (const section of splitMarkdownSections(doc.markdown)) {
    for (const piece of await splitByTokens(section.body, chunkLength)) {
      drafts.push({ headings: section.headings, topId: section.topId, ...piece });
    }
  }
  const chunks = mergeSmall ? mergeSmallChunks(drafts, chunkLength) : drafts;
  return chunks.map((chunk, chunkId) => ({
    chunkId,
    title: headingPath(chunk.headings) || documentTitle,
    content: chunk.content,
    tokenCount: chunk.tokenCount,
  }));
}
