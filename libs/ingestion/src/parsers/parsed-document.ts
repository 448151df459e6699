/**
 * What every parser returns. Text-like formats become Markdown so the chunker can follow
 * headings; CSV stays a table so every chunk can repeat the header row.
 */
export type ParsedDocument =
  | { kind: 'text'; title?: string; markdown: string }
  | { kind: 'table'; title?: string; header: string[]; rows: string[][] };
