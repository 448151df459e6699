import mammoth from 'mammoth';
import type { DocumentLimits } from './document-limits';
import { htmlToMarkdown } from './html-to-markdown';
import { assertZipWithinLimit } from './zip-guard';
import type { ParsedDocument } from './parsed-document';

/**
 * Word heading styles become `#` headings (mammoth's default map covers the English names; WPS
 * and some localised templates name them 标题 1..6). The Title style is the document's h1.
 */
const STYLE_MAP = [
  "p[style-name='Title'] => h1:fresh",
  "p[style-name='Subtitle'] => h2:fresh",
  "p[style-name='标题'] => h1:fresh",
  ...[1, 2, 3, 4, 5, 6].map((level) => `p[style-name='标题 ${level}'] => h${level}:fresh`),
];

/** Images keep only their alt text: we never read the image bytes (no base64 data URIs). */
const SKIP_IMAGE_DATA = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));

export async function parseDocx(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
  await assertZipWithinLimit(bytes, limits.maxDecompressedBytes, 'DOCX');
  const { value: html } = await mammoth.convertToHtml(
    { buffer: bytes },
    { styleMap: STYLE_MAP, convertImage: SKIP_IMAGE_DATA, ignoreEmptyParagraphs: true },
  );
  const markdown = htmlToMarkdown(html);
  const title = /^# +(.+)$/m.exec(markdown)?.[1]?.trim();
  return { kind: 'text', title: title || undefined, markdown };
}
