import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { PermanentError } from '@fjord/common';
import type { ParsingLimits } from '@fjord/config';
import type { Chunk, ChunkOptions } from '../chunking/chunk';
import type { DocType } from '../parsers/doc-type';
import type { ParseProgress, ParseReply, ParseRequest } from './sandbox-protocol';

/** Why the sandbox gave up on a document: the parser, not the document's content as such, failed. */
export type OverrunKind = 'timeout' | 'memory' | 'crash';

/** The parser process was killed or died. Retrying may help (a crash) or not (a bomb), so it is counted. */
export class ParserOverrunError extends Error {
  constructor(
    readonly kind: OverrunKind,
    message: string,
  ) {
    super(message);
    this.name = 'ParserOverrunError';
  }
}

export type SandboxResult =
  /** `chunks` is empty when they were handed to `onChunks` as they came (`chunkCount` says how many). */
  | { kind: 'chunks'; title?: string; chunks: Chunk[]; chunkCount: number }
  /** Pages without a text layer (or, for an image, every page: `pages` empty) to OCR and parse again. */
  | { kind: 'needs-ocr'; pages: number[]; pageCount: number };

export interface SandboxCallbacks {
  onProgress?: (progress: ParseProgress) => void;
  /**
   * Streaming: each batch of chunks as the parser produces it. The parser waits (and its time cap
   * stands still) until the returned promise settles; a rejection stops the parse with that error.
   */
  onChunks?: (chunks: Chunk[]) => Promise<void>;
}

/** Resident memory a Node process needs besides its heap (code, buffers, PDF.js' typed arrays). */
const RSS_HEADROOM_MB = 192;
const RSS_CHECK_MS = 200;
/** Idle parser processes kept warm so a small document does not pay Node's start-up (~0.3 s). */
const MAX_IDLE = 2;
const IDLE_EXIT_MS = 30_000;
/** A process is replaced after this many documents, so a slow leak in a library cannot grow. */
const MAX_DOCUMENTS_PER_PROCESS = 200;
const STDERR_TAIL = 4096;

interface ParserProcess {
  child: ChildProcess;
  documents: number;
  stderrTail: string;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Runs every parse (and the chunking after it) in a child Node process with a capped heap
 * (`--max-old-space-size`), a resident-memory watchdog and a wall-clock timeout. An overrun kills
 * that process only: the caller gets a ParserOverrunError with a readable reason, and the API or
 * worker keeps serving. It also keeps CPU-heavy parsing off the event loop that serves requests.
 */
export class ParserSandbox implements OnModuleDestroy {
  private readonly logger = new Logger(ParserSandbox.name);
  private readonly idle: ParserProcess[] = [];
  private readonly busy = new Set<ParserProcess>();
  private readonly entry = parserEntryPath();
  private closed = false;

  constructor(private readonly limits: ParsingLimits) {}

  /** `input`: the document's bytes, or `{ path }` of a file holding them (read by the parser process). */
  async parse(
    input: Buffer | { path: string },
    docType: DocType,
    chunkOptions: ChunkOptions,
    callbacks: SandboxCallbacks = {},
    ocrText?: Record<number, string>,
  ): Promise<SandboxResult> {
    if (this.closed) throw new Error('the parser sandbox is closed');
    const worker = this.take();
    const request: ParseRequest = {
      type: 'parse',
      ...(Buffer.isBuffer(input) ? { bytes: new Uint8Array(input.buffer, input.byteOffset, input.byteLength) } : { path: input.path }),
      docType,
      chunkOptions,
      limits: { maxPages: this.limits.maxPages, maxDecompressedBytes: this.limits.maxDecompressedBytes, timeoutMs: this.limits.timeoutMs },
      ocrText,
      streaming: callbacks.onChunks !== undefined,
    };
    try {
      const result = await this.run(worker, request, callbacks);
      this.release(worker);
      return result;
    } catch (error) {
      // A consumer's failure leaves the parser mid-document: it is stopped, not reused.
      if (error instanceof PermanentError) this.release(worker);
      else this.kill(worker);
      throw error instanceof ConsumerError ? error.cause : error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    for (const worker of [...this.idle, ...this.busy]) this.kill(worker);
    this.idle.length = 0;
  }

  private run(worker: ParserProcess, request: ParseRequest, callbacks: SandboxCallbacks): Promise<SandboxResult> {
    const { child } = worker;
    const chunks: Chunk[] = [];
    let chunkCount = 0;
    worker.stderrTail = '';
    return new Promise<SandboxResult>((resolve, reject) => {
      let settled = false;
      // The time cap counts the parser's own time: it stands still while a consumer handles a batch.
      let timeLeftMs = this.limits.timeoutMs;
      let timerStartedAt = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const startTimer = (): void => {
        timerStartedAt = Date.now();
        timer = setTimeout(
          () => overrun('timeout', `parsing took longer than ${formatSeconds(this.limits.timeoutMs)} (PARSE_TIMEOUT_MS) and was stopped`),
          timeLeftMs,
        );
      };
      const pauseTimer = (): void => {
        clearTimeout(timer);
        timeLeftMs = Math.max(0, timeLeftMs - (Date.now() - timerStartedAt));
      };
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watchdog);
        child.off('message', onMessage);
        child.off('exit', onExit);
        outcome();
      };
      const overrun = (kind: OverrunKind, message: string): void => settle(() => reject(new ParserOverrunError(kind, message)));

      const onMessage = (reply: ParseReply): void => {
        switch (reply.type) {
          case 'progress':
            callbacks.onProgress?.({ stage: reply.stage, pagesDone: reply.pagesDone, pagesTotal: reply.pagesTotal });
            return;
          case 'chunks':
            chunkCount += reply.chunks.length;
            if (!callbacks.onChunks) {
              for (const chunk of reply.chunks) chunks.push(chunk);
              return;
            }
            pauseTimer();
            callbacks.onChunks(reply.chunks).then(
              () => {
                if (settled) return;
                startTimer();
                child.send({ type: 'ack' }, (error) => {
                  if (error) overrun('crash', `the parser could not be told to go on: ${error.message}`);
                });
              },
              (error: unknown) => settle(() => reject(new ConsumerError(error))),
            );
            return;
          case 'done':
            settle(() => resolve({ kind: 'chunks', title: reply.title, chunks, chunkCount }));
            return;
          case 'needs-ocr':
            settle(() => resolve({ kind: 'needs-ocr', pages: reply.pages, pageCount: reply.pageCount }));
            return;
          case 'failed':
            settle(() => reject(reply.permanent ? new PermanentError(reply.failedCode, reply.reason) : new Error(reply.reason)));
            return;
        }
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (/heap out of memory|Reached heap limit|Allocation failed/i.test(worker.stderrTail)) {
          overrun('memory', this.memoryMessage());
        } else {
          overrun('crash', `the parser stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
        }
      };
      startTimer();
      const watchdog = setInterval(() => {
        const rssMb = residentMemoryMb(child.pid);
        if (rssMb !== undefined && rssMb > this.limits.maxMemoryMb + RSS_HEADROOM_MB) overrun('memory', this.memoryMessage());
      }, RSS_CHECK_MS);

      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send(request, (error) => {
        if (error) overrun('crash', `the parser could not be given the document: ${error.message}`);
      });
    });
  }

  private memoryMessage(): string {
    return `parsing needed more than ${this.limits.maxMemoryMb} MB of memory (PARSE_MAX_MEMORY_MB) and was stopped`;
  }

  private take(): ParserProcess {
    const worker = this.idle.pop() ?? this.spawn();
    clearTimeout(worker.idleTimer);
    worker.documents++;
    worker.child.ref();
    worker.child.channel?.ref();
    this.busy.add(worker);
    return worker;
  }

  /** Back to the idle pool unless it is worn out, bloated or the pool is full. */
  private release(worker: ParserProcess): void {
    this.busy.delete(worker);
    const rssMb = residentMemoryMb(worker.child.pid) ?? 0;
    const reusable =
      !this.closed &&
      worker.child.exitCode === null &&
      worker.documents < MAX_DOCUMENTS_PER_PROCESS &&
      rssMb < this.limits.maxMemoryMb / 2 &&
      this.idle.length < MAX_IDLE;
    if (!reusable) return this.kill(worker);
    worker.child.unref();
    worker.child.channel?.unref();
    worker.idleTimer = setTimeout(() => {
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      this.kill(worker);
    }, IDLE_EXIT_MS);
    worker.idleTimer.unref();
    this.idle.push(worker);
  }

  private kill(worker: ParserProcess): void {
    this.busy.delete(worker);
    clearTimeout(worker.idleTimer);
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
  }

  private spawn(): ParserProcess {
    const child = fork(this.entry, [], {
      execArgv: [`--max-old-space-size=${this.limits.maxMemoryMb}`],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const worker: ParserProcess = { child, documents: 0, stderrTail: '' };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      worker.stderrTail = (worker.stderrTail + text).slice(-STDERR_TAIL);
    });
    child.on('error', (error) => this.logger.warn({ err: error }, 'parser process error'));
    child.on('exit', () => {
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      clearTimeout(worker.idleTimer);
    });
    return worker;
  }
}

/** A streaming consumer's own failure: passed through as is, after the parser is stopped. */
class ConsumerError extends Error {
  constructor(override readonly cause: unknown) {
    super('the chunk consumer failed');
  }
}

/**
 * The compiled child entry. Under ts-jest-like runners this file is TypeScript source, but a
 * forked Node runs JavaScript, so the build output (`npm run build`) is used in both cases.
 */
function parserEntryPath(): string {
  const compiled = __filename.endsWith('.ts')
    ? path.resolve(__dirname, '../../../../dist/libs/ingestion/src/sandbox/parse-child.js')
    : path.join(__dirname, 'parse-child.js');
  if (!existsSync(compiled)) throw new Error(`the parser entry ${compiled} is missing; run npm run build`);
  return compiled;
}

/** Resident set size from /proc (Linux); undefined elsewhere, where only the heap cap applies. */
function residentMemoryMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const residentPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return (residentPages * 4096) / (1024 * 1024);
  } catch {
    return undefined;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
