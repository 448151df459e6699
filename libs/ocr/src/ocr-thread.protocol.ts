import { OcrErrorKind } from './ocr-error';
import { OcrEngineName, OcrLanguage, OcrPageResult, RenderedPage } from './ocr.types';

/** What the main thread asks an OCR worker thread; one request at a time per thread. */
export type OcrThreadRequest = { id: number } & (
  | { op: 'recognize'; engine: OcrEngineName; image: Uint8Array; page: number; languages: OcrLanguage[]; maxImageSide: number; timeoutMs: number }
  | {
      op: 'recognizePdfPage';
      engine: OcrEngineName;
      pdf: Uint8Array;
      pageNumber: number;
      dpi: number;
      languages: OcrLanguage[];
      maxImageSide: number;
      timeoutMs: number;
    }
  | { op: 'renderPdfPage'; pdf: Uint8Array; pageNumber: number; dpi: number }
  | { op: 'pdfPageCount'; pdf: Uint8Array }
  | { op: 'imagePageCount'; image: Uint8Array }
);

export type OcrThreadResult = OcrPageResult | RenderedPage | number;

export type OcrThreadResponse =
  | { id: number; ok: true; result: OcrThreadResult }
  | { id: number; ok: false; error: { kind: OcrErrorKind; message: string } };

export interface OcrWorkerData {
  tesseractBinary: string;
}
