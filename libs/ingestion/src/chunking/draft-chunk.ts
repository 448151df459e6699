import type { Heading } from './markdown-sections';

/** A chunk before numbering: its heading path is still structured so merging can compare paths. */
export interface DraftChunk {
  headings: Heading[];
  /** Which top-level section the chunk came from; merging never crosses one. */
  topId: number;
  content: string;
  tokenCount: number;
  /** Whitespace before this chunk in its section when it continues the previous chunk's text. */
  gap?: string;
}

export function headingPath(headings: Heading[]): string {
  return headings
    .map((heading) => heading.text)
    .filter((text) => text !== '')
    .join(' > ');
}
