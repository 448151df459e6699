import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

/** Plain text is passed through as Markdown: a line like `# Setup` is the author's heading. */
export function parseTxt(bytes: Buffer): ParsedDocument {
  return { kind: 'text', markdown: decodeText(bytes) };
}
