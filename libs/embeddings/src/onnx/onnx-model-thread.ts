import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OnnxRunnerInfo, OnnxRunnerRequest, OnnxRunnerResponse, OnnxRunnerWorkerData } from './onnx-runner.protocol';

type Outgoing = OnnxRunnerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;
type Answer = OnnxRunnerResponse & { ok: true };
interface Pending {
  resolve: (answer: Answer) => void;
  reject: (error: Error) => void;
}

/**
 * The compiled worker beside this file; when running from TypeScript sources (jest), the one in
 * dist/ (`npm test` builds first), because a worker thread does not go through jest's transform.
 */
function workerEntry(): string {
  const beside = join(__dirname, 'onnx-runner.worker.js');
  if (existsSync(beside)) return beside;
  const built = join(__dirname, '../../../../dist/libs/embeddings/src/onnx/onnx-runner.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the ONNX runner's worker is not built (${built}): run \`npm run build\``);
}

/** Raised when the model cannot be loaded or run; the message names the model directory. */
export class OnnxModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxModelError';
  }
}

/**
 * A local ONNX model on its own worker thread (onnx-runner.worker.ts). The thread starts with the
 * object, so a model's load time (seconds for a large one) overlaps start-up; a thread that dies is
 * started again by the next request. The thread holds the process open only while a request waits.
 */
export class OnnxModelThread {
  private worker?: Worker;
  private ready?: Promise<OnnxRunnerInfo>;
  private loaded?: OnnxRunnerInfo;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;

  constructor(private readonly data: OnnxRunnerWorkerData) {
    // Started now so loading overlaps start-up; a load failure is reported by the first request.
    this.start().catch(() => undefined);
  }

  /** What the loaded model is (vector length, token limit); undefined until it has loaded. */
  get info(): OnnxRunnerInfo | undefined {
    return this.loaded;
  }

  /** Waits for the model to load; rejects with the reason it could not. */
  async load(): Promise<OnnxRunnerInfo> {
    return this.start();
  }

  async embed(texts: string[]): Promise<{ vectors: number[][]; tokens: number }> {
    if (texts.length === 0) return { vectors: [], tokens: 0 };
    const answer = await this.request({ op: 'embed', texts });
    return { vectors: (answer.vectors ?? []).map((v) => Array.from(v)), tokens: answer.tokens };
  }

  async score(query: string, passages: string[]): Promise<{ scores: number[]; tokens: number }> {
    if (passages.length === 0) return { scores: [], tokens: 0 };
    const answer = await this.request({ op: 'score', query, passages });
    return { scores: answer.scores ?? [], tokens: answer.tokens };
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Promise<OnnxRunnerInfo> {
    if (this.closed) return Promise.reject(new OnnxModelError('the ONNX model runner is closed'));
    if (this.ready) return this.ready;
    const worker = new Worker(workerEntry(), { workerData: this.data });
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<OnnxRunnerInfo>((resolve, reject) => {
      worker.on('message', (response: OnnxRunnerResponse) => {
        if (response.id === 0) {
          if (response.ok && response.info) {
            this.loaded = response.info;
            resolve(response.info);
          } else {
            reject(new OnnxModelError(`the ONNX model in ${this.data.files.dir} could not be loaded: ${response.ok ? 'no model information' : response.error}`));
            void this.forget(worker);
          }
          return;
        }
        this.settle(response);
      });
      const gone = (reason: string) => {
        const error = new OnnxModelError(`the ONNX model runner for ${this.data.files.dir} stopped: ${reason}`);
        reject(error);
        this.failPending(error);
        void this.forget(worker);
      };
      worker.on('error', (error) => gone(error.message));
      worker.on('exit', (code) => gone(`exit code ${code}`));
    });
    return this.ready;
  }

  private async request(outgoing: Outgoing): Promise<Answer> {
    await this.start();
    const worker = this.worker;
    if (!worker) throw new OnnxModelError('the ONNX model runner is closed');
    const id = this.nextId++;
    return new Promise<Answer>((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...outgoing, id });
    });
  }

  private settle(response: OnnxRunnerResponse): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker?.unref();
    if (response.ok) waiting.resolve(response);
    else waiting.reject(new OnnxModelError(`the ONNX model in ${this.data.files.dir} failed: ${response.error}`));
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }

  /** Drops a dead thread so the next request starts a new one. */
  private async forget(worker: Worker): Promise<void> {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.ready = undefined;
    await worker.terminate();
  }
}
