import * as path from 'node:path';
import { definePDFJSModule, getDocumentProxy } from 'unpdf';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import { cleanPdfPages } from './pdf-page-cleanup';
import type { PageLine, ParsedDocument } from './parsed-document';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** A page with no text at all after cleanup (a lone page number is removed by it) has no text layer: a scan. */
const MIN_TEXT_LAYER_CHARS = 1;

/** Pages recognised by OCR (1-based page -> text), filled in for pages without a text layer. */
export type OcrText = Readonly<Record<number, string>>;

/**
 * PDF text via unpdf (PDF.js), page by page. PDF text is plain (no Markdown), cleaned of running
 * headers, footers and page numbers. Pages without a text layer are listed in `needsOcr` unless
 * `ocrText` already holds them.
 */
export async function parsePdf(bytes: Buffer, limits: DocumentLimits, ocrText?: OcrText): Promise<ParsedDocument> {
  await loadPdfjs();
  let pdf: PdfDocument;
  try {
    // A copy: PDF.js may transfer (detach) the buffer it is given. verbosity 0 keeps its
    // "Indexing all PDF objects" warnings about damaged files out of our logs.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false });
  } catch (error) {
    // Checked by name, not instanceof: PDF.js may live in another realm (see loadPdfjs).
    if ((error as { name?: unknown } | null)?.name === 'PasswordException') {
      throw new PermanentError(FailedCode.Unsupported, 'PDF is password-protected');
    }
    throw error;
  }
  try {
    if (pdf.numPages > limits.maxPages) {
      throw new PermanentError(FailedCode.TooLarge, `PDF has ${pdf.numPages} pages; at most ${limits.maxPages} are accepted (MAX_DOCUMENT_PAGES)`);
    }
    const text: string[] = [];
    const lines: PageLine[][] = [];
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await readPage(pdf, number);
      text.push(page.text);
      lines.push(page.lines);
    }
    const pages = cleanPdfPages(text.map(cleanPage));
    const scanned = pages.flatMap((page, i) => (page.replace(/\s+/g, '').length < MIN_TEXT_LAYER_CHARS ? [i + 1] : []));
    const missing = scanned.filter((page) => ocrText?.[page] === undefined);
    if (missing.length > 0) throw new NeedsOcrError(missing, pages.length);
    const merged = pages.map((page, i) => (ocrText?.[i + 1] !== undefined ? ocrText[i + 1] : page));
    // An OCR'd page keeps no boxes: they would be the (empty) text layer's.
    const boxes = lines.map((pageLines, i) => (ocrText?.[i + 1] !== undefined ? [] : pageLines));
    return { kind: 'plain', title: await readTitle(pdf), pages: merged, paged: true, lines: boxes };
  } finally {
    await pdf.destroy();
  }
}

/** Not a failure: the caller OCRs these pages and parses again with their text. */
export class NeedsOcrError extends Error {
  constructor(
    readonly pages: number[],
    readonly pageCount: number,
  ) {
    super(`${pages.length} of ${pageCount} PDF pages have no text layer and need OCR`);
    this.name = 'NeedsOcrError';
  }
}

interface TextItem {
  str?: string;
  hasEOL?: boolean;
  transform: number[];
  width: number;
  height: number;
}

/**
 * A page's text as PDF.js gives it (items joined, a line break after each item that ends a line),
 * and the box of every line: the union of its items' boxes.
 */
async function readPage(pdf: PdfDocument, number: number): Promise<{ text: string; lines: PageLine[] }> {
  const page = await pdf.getPage(number);
  try {
    const content = await page.getTextContent();
    let text = '';
    const lines: PageLine[] = [];
    let line: { text: string; left: number; right: number; bottom: number; height: number } | undefined;
    const endLine = (): void => {
      if (line && line.text.trim() !== '') {
        lines.push({ text: line.text.trim(), x: round(line.left), y: round(line.bottom), width: round(line.right - line.left), height: round(line.height) });
      }
      line = undefined;
    };
    for (const item of content.items as TextItem[]) {
      if (item.str == null) continue;
      text += item.str + (item.hasEOL ? '\n' : '');
      if (item.str.trim() !== '') {
        const [, , , , x, y] = item.transform;
        line ??= { text: '', left: x, right: x + item.width, bottom: y, height: item.height };
        line.left = Math.min(line.left, x);
        line.right = Math.max(line.right, x + item.width);
        line.bottom = Math.min(line.bottom, y);
        line.height = Math.max(line.height, item.height);
      }
      if (line) line.text += item.str;
      if (item.hasEOL) endLine();
    }
    endLine();
    return { text, lines };
  } finally {
    page.cleanup();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function cleanPage(page: string): string {
  return page
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

async function readTitle(pdf: PdfDocument): Promise<string | undefined> {
  try {
    const { info } = await pdf.getMetadata();
    const title = (info as { Title?: unknown } | undefined)?.Title;
    return typeof title === 'string' && title.trim() !== '' ? title.trim() : undefined;
  } catch {
    return undefined; // Metadata is optional; a damaged info dictionary must not fail the parse.
  }
}

let pdfjsLoaded: Promise<void> | undefined;

/**
 * unpdf loads its PDF.js bundle with `import('unpdf/pdfjs')`, which fails inside Jest's VM
 * (no dynamic import without --experimental-vm-modules). Node >= 20.19 can `require()` that ES
 * module bundle directly, which works under plain Node and Jest alike. `process.getBuiltinModule`
 * gives the real `createRequire` (Jest swaps `module.createRequire` for its own), and the bundle
 * is found next to unpdf's entry file because the package exports it for `import` only.
 */
function loadPdfjs(): Promise<void> {
  pdfjsLoaded ??= definePDFJSModule(() => {
    const nodeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
    const bundle = path.join(path.dirname(nodeRequire.resolve('unpdf')), 'pdfjs.mjs');
    return Promise.resolve(nodeRequire(bundle));
  }).catch((error: unknown) => {
    pdfjsLoaded = undefined; // Let the next document try again.
    throw error;
  });
  return pdfjsLoaded;
}
