import { Worker } from 'node:worker_threads';
import { boundedSegments } from './bounded-segments';
import { OFF_THREAD_MIN_CHARS, rememberTokenCount, rememberedTokenCount } from './token-count-memo';

/**
 * The thread's whole program: sum o200k counts of the segments it is sent. The main thread does the
 * segmenting (a linear regex scan), so the thread needs nothing but the tokenizer; it is given as
 * source because this file also runs untranspiled under the test runner.
 */
const COUNTING_THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { countTokens } = require(workerData.tokenizerPath);
parentPort.on('message', ({ id, segments }) => {
  let tokens = 0;
  for (const segment of segments) tokens += countTokens(segment);
  parentPort.postMessage({ id, tokens });
});
`;

interface Pending {
  resolve(tokens: number): void;
  reject(error: Error): void;
}

/** One lazily started thread, shared by every request of the process; it never keeps the process alive. */
class CountingThread {
  private worker?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  count(text: string): Promise<number> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<number>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, segments: boundedSegments(text) });
    });
  }

  private start(): Worker {
    const worker = new Worker(COUNTING_THREAD_SOURCE, {
      eval: true,
      workerData: { tokenizerPath: require.resolve('gpt-tokenizer/encoding/o200k_base') },
    });
    worker.unref();
    worker.on('message', ({ id, tokens }: { id: number; tokens: number }) => {
      this.pending.get(id)?.resolve(tokens);
      this.pending.delete(id);
      if (this.pending.size === 0) worker.unref();
    });
    const fail = (error: Error) => {
      this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`token counting thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

const countingThread = new CountingThread();

/**
 * Counts the large texts among `texts` in the counting thread, so that the countTokens calls that
 * follow for them (usage, truncation, stored turns) find the count ready instead of blocking the
 * event loop. Small texts are left to countTokens: a thread round trip would cost more. If the
 * thread fails, the counts are simply made later on the caller's thread.
 */
export async function prepareTokenCounts(texts: Iterable<string>): Promise<void> {
  const large = [...new Set(texts)].filter((text) => text.length >= OFF_THREAD_MIN_CHARS && rememberedTokenCount(text) === undefined);
  await Promise.all(
    large.map(async (text) => {
      try {
        rememberTokenCount(text, await countingThread.count(text));
      } catch {
        /* counted on demand instead */
      }
    }),
  );
}
