import { parentPort, workerData } from 'node:worker_threads';
import { OcrBackend } from './engines/ocr-backend';
import { TesseractCliBackend } from './engines/tesseract-cli.backend';
import { TesseractJsBackend } from './engines/tesseract-js.backend';
import { imagePageCount, prepareForOcr } from './image-input';
import { OcrError } from './ocr-error';
import { mergeFalseColumns } from './ocr-layout';
import { assemblePageText, cleanLine } from './ocr-text';
import { OcrThreadRequest, OcrThreadResponse, OcrThreadResult, OcrWorkerData } from './ocr-thread.protocol';
import { OcrEngineName, OcrLanguage, OcrPageResult, RenderedPage } from './ocr.types';
import { PdfPageRenderer } from './pdf-page-renderer';

/**
 * One OCR lane: decodes, renders and recognises one page at a time, off the main thread. The main
 * thread stops the whole thread when a page overruns its time limit, which is the only reliable way
 * to stop a recogniser stuck inside WebAssembly.
 */
const backends = new Map<OcrEngineName, OcrBackend>();
const renderer = new PdfPageRenderer();

function backend(name: OcrEngineName): OcrBackend {
  let existing = backends.get(name);
  if (!existing) {
    existing = name === 'tesseract.js' ? new TesseractJsBackend() : new TesseractCliBackend((workerData as OcrWorkerData).tesseractBinary);
    backends.set(name, existing);
  }
  return existing;
}

async function recognizePage(engine: OcrEngineName, page: RenderedPage, languages: OcrLanguage[], timeoutMs: number): Promise<OcrPageResult> {
  const started = performance.now();
  const blocks = await backend(engine).recognize(page.png, languages, timeoutMs);
  const cleaned = mergeFalseColumns(blocks.map((lines) => lines.map((line) => ({ ...line, text: cleanLine(line.text) })).filter((line) => line.text !== '')));
  const lines = cleaned.flat();
  const characters = lines.reduce((sum, line) => sum + line.text.length, 0);
  return {
    text: assemblePageText(cleaned.map((block) => block.map((line) => line.text))),
    lines,
    confidence: characters === 0 ? 0 : lines.reduce((sum, line) => sum + line.confidence * line.text.length, 0) / characters,
    width: page.width,
    height: page.height,
    engine,
    languages,
    durationMs: Math.round(performance.now() - started),
  };
}

async function handle(request: OcrThreadRequest): Promise<OcrThreadResult> {
  switch (request.op) {
    case 'recognize': {
      const started = performance.now();
      const page = await prepareForOcr(Buffer.from(request.image.buffer, request.image.byteOffset, request.image.byteLength), {
        page: request.page,
        maxSide: request.maxImageSide,
      });
      const result = await recognizePage(request.engine, page, request.languages, request.timeoutMs);
      return { ...result, durationMs: Math.round(performance.now() - started) };
    }
    case 'recognizePdfPage': {
      const started = performance.now();
      const rendered = await renderer.render(request.pdf, request.pageNumber, request.dpi);
      const page = await prepareForOcr(rendered.png, { page: 1, maxSide: request.maxImageSide });
      const result = await recognizePage(request.engine, page, request.languages, request.timeoutMs);
      return { ...result, durationMs: Math.round(performance.now() - started) };
    }
    case 'renderPdfPage':
      return renderer.render(request.pdf, request.pageNumber, request.dpi);
    case 'pdfPageCount':
      return renderer.pageCount(request.pdf);
    case 'imagePageCount':
      return imagePageCount(Buffer.from(request.image.buffer, request.image.byteOffset, request.image.byteLength));
  }
}

function serve(): void {
  const port = parentPort;
  if (!port) throw new Error('ocr.worker must run as a worker thread');
  port.on('message', (request: OcrThreadRequest) => {
    handle(request).then(
      (result) => port.postMessage({ id: request.id, ok: true, result } satisfies OcrThreadResponse),
      (error: unknown) => {
        const kind = error instanceof OcrError ? error.kind : 'crashed';
        const message = error instanceof Error ? error.message : String(error);
        port.postMessage({ id: request.id, ok: false, error: { kind, message } } satisfies OcrThreadResponse);
      },
    );
  });
}

serve();
