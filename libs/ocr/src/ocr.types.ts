/** Tesseract language codes, e.g. `eng`, `chi_sim`; a page may be read with several at once. */
export type OcrLanguage = string;

/** The engines fjord can run; `auto` takes the first usable one in this order. */
export const OCR_ENGINES = ['tesseract.js', 'tesseract-cli'] as const;
export type OcrEngineName = (typeof OCR_ENGINES)[number];
export type OcrEngineChoice = OcrEngineName | 'auto';

/** Pixel box on the recognised image: left, top, right, bottom. */
export interface OcrBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface OcrLine {
  text: string;
  bbox: OcrBox;
  /** 0..1, the engine's own confidence in the line. */
  confidence: number;
}

export interface OcrPageResult {
  /** The page's text in reading order: lines joined by newlines, blocks (columns, paragraphs) by a blank line. */
  text: string;
  lines: OcrLine[];
  /** Mean line confidence weighted by line length, 0..1; 0 when nothing was recognised. */
  confidence: number;
  /** Size of the image the boxes refer to (after orientation and any downscaling). */
  width: number;
  height: number;
  engine: OcrEngineName;
  languages: OcrLanguage[];
  durationMs: number;
}

export interface OcrRecognizeOptions {
  /** Defaults to the engine's configured languages (`OCR_LANGUAGES`). */
  languages?: OcrLanguage[];
  /** 1-based page of a multi-page image (TIFF); default 1. */
  page?: number;
  /** Overrides the configured per-page timeout for this call. */
  timeoutMs?: number;
}

export interface OcrPdfPageOptions extends Omit<OcrRecognizeOptions, 'page'> {
  /** Rendering resolution; 200 dpi reads 9-pt text reliably without slowing OCR much. */
  dpi?: number;
}

export interface RenderedPage {
  /** PNG bytes. */
  png: Buffer;
  width: number;
  height: number;
}

export type OcrAvailability =
  | { available: true; engine: OcrEngineName; languages: OcrLanguage[]; detail: string }
  | { available: false; engine?: undefined; languages: OcrLanguage[]; reason: string };

export interface OcrEngineOptions {
  engine: OcrEngineChoice;
  languages: OcrLanguage[];
  /** Pages recognised at once; each runs in its own worker thread. */
  concurrency: number;
  /** A page that takes longer is abandoned (its thread is stopped) and fails with `OcrError` kind `timeout`. */
  pageTimeoutMs: number;
  /** Longest side an image is scaled down to before OCR; phone photos are far larger than text needs. */
  maxImageSide: number;
  /** A thread left idle this long is stopped (its models freed); the next page starts a new one, about 1-2 s to load. */
  idleThreadMs: number;
  /** The tesseract program for the `tesseract-cli` engine. */
  tesseractBinary: string;
}

export const DEFAULT_OCR_OPTIONS: OcrEngineOptions = {
  engine: 'auto',
  languages: ['chi_sim', 'eng'],
  concurrency: 1,
  pageTimeoutMs: 120_000,
  maxImageSide: 3000,
  idleThreadMs: 60_000,
  tesseractBinary: 'tesseract',
};
