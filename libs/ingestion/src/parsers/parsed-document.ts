/**
 * What every parser returns. Formats with real structure (Markdown, HTML, DOCX) become Markdown so
 * the chunker can follow headings; plain text and PDF text stay plain (a `#` line is text, not a
 * heading), page by page where the format has pages; tables stay tables so every chunk can repeat
 * the header row.
 */
export type ParsedDocument =
  | { kind: 'text'; title?: string; markdown: string }
  | { kind: 'plain'; title?: string; pages: string[]; paged: boolean }
  | { kind: 'table'; title?: string; header: string[]; rows: string[][] };
