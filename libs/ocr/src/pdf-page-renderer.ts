import { createHash } from 'node:crypto';
import { OcrError } from './ocr-error';
import { RenderedPage } from './ocr.types';

type Unpdf = typeof import('unpdf');
type PdfDocument = Awaited<ReturnType<Unpdf['getDocumentProxy']>>;

/** Pages taller or wider than this at the requested dpi are rendered smaller: a poster is not worth 100 MB of pixels. */
const MAX_RENDER_SIDE = 5000;

/**
 * Renders PDF pages to PNG with PDF.js (through unpdf) on @napi-rs/canvas: nothing but npm packages.
 * Runs in the OCR worker thread, where a real `import()` is available. The last document stays
 * open, so the pages of one scan are parsed once, not once per page.
 */
export class PdfPageRenderer {
  private open?: { key: string; document: Promise<PdfDocument> };

  async pageCount(pdf: Uint8Array): Promise<number> {
    return (await this.document(pdf)).numPages;
  }

  async render(pdf: Uint8Array, pageNumber: number, dpi: number): Promise<RenderedPage> {
    const document = await this.document(pdf);
    if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > document.numPages) {
      throw new OcrError('unreadable', `page ${pageNumber} does not exist: the PDF has ${document.numPages} pages`);
    }
    const { renderPageAsImage } = await import('unpdf');
    try {
      const page = await document.getPage(pageNumber);
      const { width, height } = page.getViewport({ scale: 1 });
      const scale = Math.min(dpi / 72, MAX_RENDER_SIDE / Math.max(width, height));
      const png = await renderPageAsImage(document, pageNumber, { canvasImport: () => import('@napi-rs/canvas'), scale });
      return { png: Buffer.from(png), width: Math.ceil(width * scale), height: Math.ceil(height * scale) };
    } catch (error) {
      throw new OcrError('unreadable', `page ${pageNumber} of the PDF could not be rendered: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    if (open) await (await open.document.catch(() => undefined))?.destroy();
  }

  private async document(pdf: Uint8Array): Promise<PdfDocument> {
    const key = `${pdf.byteLength}:${createHash('sha1').update(pdf.subarray(0, 1 << 20)).update(pdf.subarray(-(1 << 16))).digest('hex')}`;
    if (this.open?.key !== key) {
      await this.close();
      const { getDocumentProxy } = await import('unpdf');
      // PDF.js takes ownership of (and detaches) the buffer it is given, so it gets a copy.
      const document = getDocumentProxy(new Uint8Array(pdf)).catch((error: unknown) => {
        this.open = undefined;
        throw new OcrError('unreadable', `the PDF could not be opened: ${(error as Error).message}`, { cause: error });
      });
      this.open = { key, document };
    }
    return this.open.document;
  }
}
