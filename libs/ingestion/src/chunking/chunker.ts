import type { PositionBox } from '@fjord/knowledge/points/point-position';
import { countTokens } from '@fjord/text';
import type { PageLine, ParsedDocument } from '../parsers/parsed-document';
import { type Chunk, type ChunkOptions, DEFAULT_CHUNK_OPTIONS, MIN_CHUNK_LENGTH } from './chunk';
import { type DraftChunk, headingPath } from './draft-chunk';
import { type Section, splitMarkdownSections } from './markdown-sections';
import { splitPlainSections } from './plain-sections';
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

  if (doc.kind === 'parts') return chunkParts(doc, { chunkLength, mergeSmallChunks: mergeSmall });

  if (doc.kind === 'table') {
    const pieces = await chunkTable(doc.header, doc.rows, chunkLength);
    return pieces.map((piece, chunkId) => ({ chunkId, title: documentTitle, content: piece.content, tokenCount: piece.tokenCount }));
  }

  if (doc.kind === 'plain') return chunkPlain(doc, chunkLength, mergeSmall);
  if (doc.kind === 'sheets') return chunkSheets(doc, chunkLength);
  if (doc.kind === 'slides') return chunkSlides(doc, chunkLength);

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

/**
 * A workbook: each sheet is chunked as its own table (header row repeated), titled with the sheet
 * name, and each chunk keeps the sheet rows it holds.
 */
async function chunkSheets(doc: Extract<ParsedDocument, { kind: 'sheets' }>, chunkLength: number): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (const sheet of doc.sheets) {
    for (const piece of await chunkTable(sheet.header, sheet.rows, chunkLength)) {
      const rows =
        piece.firstRow === undefined || piece.lastRow === undefined
          ? {}
          : { row_start: sheet.rowNumbers[piece.firstRow], row_end: sheet.rowNumbers[piece.lastRow] };
      chunks.push({
        chunkId: chunks.length,
        title: sheet.name,
        content: piece.content,
        tokenCount: piece.tokenCount,
        position: { sheet: sheet.name, ...rows },
      });
    }
  }
  return chunks;
}

/**
 * A deck: every slide is its own chunk group (never merged with the next slide, so its number
 * holds), titled with the slide's title or "Slide N"; speaker notes follow the slide's text.
 */
async function chunkSlides(doc: Extract<ParsedDocument, { kind: 'slides' }>, chunkLength: number): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (const slide of doc.slides) {
    const notes = slide.notes?.trim() ? `Speaker notes:\n${slide.notes.trim()}` : '';
    const body = [slide.text.trim(), notes].filter((part) => part !== '').join('\n\n');
    if (body === '' && !slide.title) continue;
    const title = slide.title || `Slide ${slide.number}`;
    // A slide with a title only is still a chunk: its title is what it says.
    const pieces = body === '' ? [{ content: title, tokenCount: countTokens(title) }] : await splitByTokens(body, chunkLength);
    for (const piece of pieces) {
      chunks.push({ chunkId: chunks.length, title, content: piece.content, tokenCount: piece.tokenCount, position: { slide: slide.number } });
    }
  }
  return chunks;
}

/**
 * Each part (chapter, e-mail body, attachment) is chunked on its own, so no chunk mixes two parts,
 * and its title leads each chunk title unless the chunk's heading path already starts with it (a
 * chapter whose first heading repeats its table-of-contents entry). Positions are dropped: an
 * attachment's page 2 is not page 2 of the e-mail.
 */
async function chunkParts(doc: Extract<ParsedDocument, { kind: 'parts' }>, options: ChunkOptions): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for (const part of doc.parts) {
    for (const chunk of await chunkDocument(part.document, options)) {
      const own = chunk.title;
      const title = own === '' || own === part.title ? part.title : own.startsWith(`${part.title} > `) ? own : `${part.title} > ${own}`;
      chunks.push({ chunkId: chunks.length, title, content: chunk.content, tokenCount: chunk.tokenCount });
    }
  }
  return chunks;
}

/**
 * Plain text (txt, PDF): sections only where the text is clearly sectioned, and for paged
 * documents each chunk's page range, found by locating its text in the joined pages.
 */
async function chunkPlain(doc: Extract<ParsedDocument, { kind: 'plain' }>, chunkLength: number, mergeSmall: boolean): Promise<Chunk[]> {
  const separator = '\n\n';
  const pageStarts: number[] = [];
  let length = 0;
  for (const page of doc.pages) {
    pageStarts.push(length);
    length += page.length + separator.length;
  }
  const text = doc.pages.join(separator);
  const drafts: DraftChunk[] = [];
  const sections: Section[] = splitPlainSections(text);
  for (const section of sections) {
    for (const piece of await splitByTokens(section.body, chunkLength)) {
      drafts.push({ headings: section.headings, topId: section.topId, ...piece });
    }
  }
  const chunks = mergeSmall ? mergeSmallChunks(drafts, chunkLength) : drafts;
  const lines = doc.lines ? locateLines(doc.pages, doc.lines, pageStarts) : [];
  let cursor = 0;
  return chunks.map((chunk, chunkId) => {
    const result: Chunk = { chunkId, title: headingPath(chunk.headings) || (doc.title ?? ''), content: chunk.content, tokenCount: chunk.tokenCount };
    if (doc.paged) {
      const span = locate(text, chunk.content, cursor);
      cursor = span.start;
      const page = pageAt(pageStarts, span.start);
      const pageEnd = pageAt(pageStarts, Math.max(span.start, span.end - 1));
      result.position = pageEnd > page ? { page, page_end: pageEnd } : { page, page_end: page };
      const boxes = boxesWithin(lines, span);
      if (boxes.length > 0) result.position.boxes = boxes;
    }
    return result;
  });
}

type LocatedLine = { start: number; end: number; box: PositionBox };

/**
 * Where each text-layer line stands in the joined pages, found in order page by page. Lines the PDF
 * cleanup removed (running headers, page numbers) are not found and keep no box; a line hyphenated
 * at its end is found without its hyphen, as the cleanup joined it to the next.
 */
function locateLines(pages: string[], lines: PageLine[][], pageStarts: number[]): LocatedLine[] {
  const located: LocatedLine[] = [];
  pages.forEach((page, i) => {
    let cursor = 0;
    for (const line of lines[i] ?? []) {
      let probe = line.text;
      let at = page.indexOf(probe, cursor);
      if (at < 0 && probe.endsWith('-')) {
        probe = probe.slice(0, -1);
        at = page.indexOf(probe, cursor);
      }
      if (at < 0) continue;
      cursor = at + probe.length;
      const box = { page: i + 1, x: line.x, y: line.y, width: line.width, height: line.height };
      located.push({ start: pageStarts[i] + at, end: pageStarts[i] + cursor, box });
    }
  });
  return located;
}

/** Boxes of the lines that overlap the chunk's span (lines are in text order). */
function boxesWithin(lines: LocatedLine[], span: { start: number; end: number }): PositionBox[] {
  let low = 0;
  let high = lines.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (lines[middle].end <= span.start) low = middle + 1;
    else high = middle;
  }
  const boxes: PositionBox[] = [];
  for (let i = low; i < lines.length && lines[i].start < span.end; i++) boxes.push(lines[i].box);
  return boxes;
}

/** Where `content` lies in `text`, searching from `from`: by its first and last words, since chunking trims and merges. */
function locate(text: string, content: string, from: number): { start: number; end: number } {
  const probe = (part: string): string => part.trim().slice(0, 40);
  const head = probe(content);
  let start = head === '' ? -1 : text.indexOf(head, from);
  if (start < 0) start = from;
  const tail = content.trim().slice(-40);
  const tailAt = tail === '' ? -1 : text.indexOf(tail, start);
  const end = tailAt >= 0 ? tailAt + tail.length : start + content.length;
  return { start, end };
}

/** 1-based page holding character `offset`. */
function pageAt(pageStarts: number[], offset: number): number {
  let low = 0;
  let high = pageStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (pageStarts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}
