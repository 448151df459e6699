/**
 * What every parser returns. Formats with real structure (Markdown, HTML, DOCX) become Markdown so
 * the chunker can follow headings; plain text and PDF text stay plain (a `#` line is text, not a
 * heading), page by page where the format has pages; tables stay tables so every chunk can repeat
 * the header row. Workbooks keep one table per sheet and decks one entry per slide, so every chunk
 * can say which sheet rows or which slide it came from. Containers (e-books, e-mails) are a list of
 * titled parts, each parsed by the parser for its own format and chunked on its own.
 */
export type ParsedDocument =
  | { kind: 'text'; title?: string; markdown: string }
  | { kind: 'plain'; title?: string; pages: string[]; paged: boolean; lines?: PageLine[][] }
  | { kind: 'table'; title?: string; header: string[]; rows: string[][] }
  | { kind: 'sheets'; title?: string; sheets: ParsedSheet[] }
  | { kind: 'slides'; title?: string; slides: ParsedSlide[] }
  | { kind: 'parts'; title?: string; parts: DocumentPart[] };

/**
 * A line of a PDF's text layer (one entry of `lines` per page, in reading order) with its box in PDF
 * points: (x, y) is the bottom-left corner in the page's user space (origin bottom-left, as in the
 * PDF), y on the text's baseline; height is the font size.
 */
export interface PageLine {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A chapter, an e-mail's headers or body, an attachment: its title leads the title of each of its chunks. */
export interface DocumentPart {
  title: string;
  document: ParsedDocument;
}

export interface ParsedSheet {
  name: string;
  header: string[];
  rows: string[][];
  /** The sheet's own 1-based row number of each entry of `rows`, as the spreadsheet program shows it. */
  rowNumbers: number[];
}

export interface ParsedSlide {
  /** 1-based, in the deck's order. */
  number: number;
  title?: string;
  /** The slide's text, paragraphs separated by blank lines. */
  text: string;
  /** Speaker notes. */
  notes?: string;
}
