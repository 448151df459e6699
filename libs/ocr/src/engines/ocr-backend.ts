import { OcrEngineName, OcrLanguage, OcrLine } from '../ocr.types';

/**
 * One OCR engine as the worker thread drives it: a grey PNG in, blocks of lines in reading order
 * out (a block is a column or paragraph). Line text is the engine's own; cleaning happens after.
 */
export interface OcrBackend {
  readonly name: OcrEngineName;
  /** `timeoutMs` bounds work outside the thread (a child process), which stopping the thread would not end. */
  recognize(png: Buffer, languages: OcrLanguage[], timeoutMs: number): Promise<OcrLine[][]>;
  close(): Promise<void>;
}

/**
 * Tesseract settings both engines share, chosen on the fixture set (docs/benchmarks.md, "OCR"):
 * automatic page segmentation finds columns (the default of tesseract.js treats the page as one
 * block and interleaves them), and Sauvola's local thresholding with k = 0.2 copes with the uneven
 * light of a photographed page (global Otsu loses half the page) without eating thin CJK strokes.
 */
export const TESSERACT_PARAMETERS: Record<string, string> = {
  tessedit_pageseg_mode: '3',
  thresholding_method: '2',
  thresholding_kfactor: '0.2',
  thresholding_window_size: '0.33',
};
