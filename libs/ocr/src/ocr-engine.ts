import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { checkOcrAvailability } from './ocr-availability';
import { OcrError } from './ocr-error';
import { OcrThreadRequest, OcrThreadResponse, OcrThreadResult, OcrWorkerData } from './ocr-thread.protocol';
import {
  DEFAULT_OCR_OPTIONS,
  OcrAvailability,
  OcrEngineName,
  OcrEngineOptions,
  OcrPageResult,
  OcrPdfPageOptions,
  OcrRecognizeOptions,
  RenderedPage,
} from './ocr.types';

type Request = OcrThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Task {
  request: Request;
  timeoutMs: number;
  resolve: (result: OcrThreadResult) => void;
  reject: (error: Error) => void;
}

const DEFAULT_PDF_DPI = 200;

/**
 * The compiled worker beside this file; when running from TypeScript sources (jest), the one in
 * dist/ (`npm test` builds first), because a worker thread does not go through jest's transform.
 */
function workerEntry(): string {
  const beside = join(__dirname, 'ocr.worker.js');
  if (existsSync(beside)) return beside;
  const built = join(__dirname, '../../../dist/libs/ocr/src/ocr.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the OCR worker is not built (${built}): run \`npm run build\``);
}

/** One worker thread and the task it is working on. */
class Lane {
  readonly worker: Worker;
  task?: Task;
  private timer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private nextId = 1;
  private stderrTail = '';

  constructor(
    workerData: OcrWorkerData,
    private readonly idleMs: number,
    private readonly onFree: (lane: Lane) => void,
    private readonly onGone: (lane: Lane) => void,
  ) {
    // Tesseract writes progress notes ("Estimating resolution as 284") to stdout/stderr; they are
    // captured here instead of landing in the service's JSON log, and the last ones explain a crash.
    this.worker = new Worker(workerEntry(), { workerData, stdout: true, stderr: true });
    this.worker.stdout.resume();
    this.worker.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-1000);
    });
    this.worker.unref();
    this.worker.on('message', (response: OcrThreadResponse) => this.settle(response));
    this.worker.on('error', (error) => this.fail(new OcrError('crashed', `the OCR thread failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => {
      const said = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
      this.fail(new OcrError('crashed', `the OCR thread exited (code ${code})${said ? `: ${said}` : ''}`));
    });
  }

  run(task: Task): void {
    clearTimeout(this.idleTimer);
    this.task = task;
    this.worker.ref(); // a page in progress keeps the process alive; an idle lane does not
    this.timer = setTimeout(() => {
      this.fail(new OcrError('timeout', `OCR of one page took longer than ${task.timeoutMs} ms and was stopped`));
    }, task.timeoutMs);
    this.worker.postMessage({ ...task.request, id: this.nextId++ });
  }

  private settle(response: OcrThreadResponse): void {
    const task = this.task;
    if (!task) return;
    clearTimeout(this.timer);
    this.task = undefined;
    this.worker.unref();
    if (response.ok) task.resolve(response.result);
    else task.reject(new OcrError(response.error.kind, response.error.message));
    this.idleTimer = setTimeout(() => void this.stop(), this.idleMs).unref();
    this.onFree(this);
  }

  /** The thread is finished with: its task (if any) fails with `error`, and it is stopped. */
  private fail(error: OcrError): void {
    const task = this.task;
    this.task = undefined;
    clearTimeout(this.timer);
    task?.reject(error);
    void this.stop();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    this.onGone(this);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * OCR for images and PDF pages, offline. Pages are recognised in worker threads, at most
 * `concurrency` at a time (the rest wait in arrival order), each within `pageTimeoutMs`, so a long
 * scan never blocks the event loop and never occupies more cores than it is given.
 *
 *   const ocr = new OcrEngine({ languages: ['chi_sim', 'eng'] });
 *   const status = await ocr.availability();          // which engine, or what to install
 *   const page = await ocr.recognize(pngBytes);         // { text, lines: [{ text, bbox, confidence }], ... }
 *   const scanned = await ocr.recognizePdfPage(pdfBytes, 3);
 *   await ocr.close();
 */
export class OcrEngine {
  readonly options: OcrEngineOptions;
  private readonly lanes = new Set<Lane>();
  private readonly queue: Task[] = [];
  private availabilityCheck?: Promise<OcrAvailability>;
  private closed = false;

  constructor(options: Partial<OcrEngineOptions> = {}) {
    this.options = { ...DEFAULT_OCR_OPTIONS, ...options };
    if (this.options.concurrency < 1) throw new Error('OCR concurrency must be at least 1');
    if (this.options.languages.length === 0) throw new Error('OCR needs at least one language');
  }

  /** Which engine will read pages, or a sentence saying what to install. Checked once, then remembered. */
  availability(): Promise<OcrAvailability> {
    this.availabilityCheck ??= checkOcrAvailability(this.options.engine, this.options.languages, this.options.tesseractBinary);
    return this.availabilityCheck;
  }

  /** Recognises one page of an image (PNG, JPEG, WebP, TIFF, BMP, GIF). */
  async recognize(image: Uint8Array, options: OcrRecognizeOptions = {}): Promise<OcrPageResult> {
    const engine = await this.engineFor(options);
    const request: Request = {
      op: 'recognize',
      engine: engine.name,
      image,
      page: options.page ?? 1,
      languages: engine.languages,
      maxImageSide: this.options.maxImageSide,
      timeoutMs: options.timeoutMs ?? this.options.pageTimeoutMs,
    };
    return (await this.submit(request, request.timeoutMs)) as OcrPageResult;
  }

  /**
   * Renders one page (1-based) of a PDF and recognises it. For a long scan, pass the bytes as
   * `sharedBytes(pdf)` once: the threads then read them without a copy per page.
   */
  async recognizePdfPage(pdf: Uint8Array, pageNumber: number, options: OcrPdfPageOptions = {}): Promise<OcrPageResult> {
    const engine = await this.engineFor(options);
    const request: Request = {
      op: 'recognizePdfPage',
      engine: engine.name,
      pdf,
      pageNumber,
      dpi: options.dpi ?? DEFAULT_PDF_DPI,
      languages: engine.languages,
      maxImageSide: this.options.maxImageSide,
      timeoutMs: options.timeoutMs ?? this.options.pageTimeoutMs,
    };
    return (await this.submit(request, request.timeoutMs)) as OcrPageResult;
  }

  /** One PDF page as a PNG, rendered off the main thread (for callers that OCR or show it themselves). */
  async renderPdfPage(pdf: Uint8Array, pageNumber: number, options: { dpi?: number; timeoutMs?: number } = {}): Promise<RenderedPage> {
    const result = (await this.submit({ op: 'renderPdfPage', pdf, pageNumber, dpi: options.dpi ?? DEFAULT_PDF_DPI }, options.timeoutMs)) as RenderedPage;
    return { ...result, png: Buffer.from(result.png.buffer, result.png.byteOffset, result.png.byteLength) };
  }

  async pdfPageCount(pdf: Uint8Array): Promise<number> {
    return (await this.submit({ op: 'pdfPageCount', pdf })) as number;
  }

  /** Pages in an image: several for a multi-page TIFF, otherwise 1. */
  async imagePageCount(image: Uint8Array): Promise<number> {
    return (await this.submit({ op: 'imagePageCount', image })) as number;
  }

  /** Pages being recognised, pages waiting, and threads alive (never more than `concurrency`). */
  load(): { running: number; queued: number; threads: number } {
    const running = [...this.lanes].filter((lane) => lane.task).length;
    return { running, queued: this.queue.length, threads: this.lanes.size };
  }

  /** Stops every thread; queued and running pages fail with kind `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new OcrError('closed', 'the OCR engine was closed'));
    await Promise.all([...this.lanes].map((lane) => {
      lane.task?.reject(new OcrError('closed', 'the OCR engine was closed'));
      lane.task = undefined;
      return lane.stop();
    }));
  }

  private async engineFor(options: OcrRecognizeOptions): Promise<{ name: OcrEngineName; languages: string[] }> {
    const status = await this.availability();
    if (!status.available) throw new OcrError('unavailable', status.reason);
    const languages = options.languages ?? status.languages;
    if (options.languages && options.languages.join('+') !== status.languages.join('+')) {
      // Languages other than the configured ones are checked on their own; the answer is not cached.
      const other = await checkOcrAvailability(status.engine, options.languages, this.options.tesseractBinary);
      if (!other.available) throw new OcrError('unavailable', other.reason);
    }
    return { name: status.engine, languages };
  }

  private submit(request: Request, timeoutMs = this.options.pageTimeoutMs): Promise<OcrThreadResult> {
    if (this.closed) return Promise.reject(new OcrError('closed', 'the OCR engine was closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let lane = [...this.lanes].find((candidate) => !candidate.task);
      if (!lane && this.lanes.size < this.options.concurrency) {
        lane = new Lane(
          { tesseractBinary: this.options.tesseractBinary },
          this.options.idleThreadMs,
          () => this.dispatch(),
          (gone) => {
            this.lanes.delete(gone);
            if (!this.closed) this.dispatch();
          },
        );
        this.lanes.add(lane);
      }
      if (!lane) return;
      lane.run(this.queue.shift() as Task);
    }
  }
}

/** A copy of `bytes` in shared memory, which OCR threads read without copying it again per page. */
export function sharedBytes(bytes: Uint8Array): Uint8Array {
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}
