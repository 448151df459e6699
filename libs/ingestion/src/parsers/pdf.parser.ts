import * as path from 'node:path';
import { definePDFJSModule, extractText, getDocumentProxy } from 'unpdf';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import type { ParsedDocument } from './parsed-document';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/**
 * PDF text via unpdf (PDF.js). PDFs carry no reliable heading structure, so pages become
 * paragraphs separated by blank lines and the chunker splits them by size.
 */
export async function parsePdf(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
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
    const { text } = await extractText(pdf, { mergePages: false });
    const pages = text.map(cleanPage).filter((page) => page !== '');
    if (pages.length === 0) {
      throw new PermanentError(FailedCode.Unsupported, 'PDF has no extractable text (scanned image?)');
    }
    return { kind: 'text', title: await readTitle(pdf), markdown: pages.join('\n\n') };
  } finally {
    await pdf.destroy();
  }
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
