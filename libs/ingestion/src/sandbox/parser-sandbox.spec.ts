import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError } from '@fjord/common';
import type { ParsingLimits } from '@fjord/config';
import { buildDeepHtml, buildEmptyParagraphDocx, buildManyPagePdf, buildZipBombDocx } from '../../../../test/support/document-fixtures';
import { DEFAULT_CHUNK_OPTIONS } from '../chunking/chunk';
import { FailedCode } from '../failed-code';
import { ParserOverrunError, ParserSandbox, type SandboxResult } from './parser-sandbox';
import type { Chunk } from '../chunking/chunk';

// A generous time cap: on a loaded 2-core box the 10 MB CSV and the page count took over 20 s; the
// memory cap still stops the DOCX bomb first.
const LIMITS: ParsingLimits = { timeoutMs: 40_000, maxMemoryMb: 256, maxAttempts: 2, maxPages: 1_000, maxDecompressedBytes: 16 * 1024 * 1024 };

async function chunksOf(promise: Promise<SandboxResult>): Promise<Chunk[]> {
  const result = await promise;
  if (result.kind !== 'chunks') throw new Error(`expected chunks, got ${result.kind}`);
  return result.chunks;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('ParserSandbox (parsers in a child process with capped memory and time)', () => {
  let sandbox: ParserSandbox;
  beforeEach(() => {
    sandbox = new ParserSandbox(LIMITS);
  });
  afterEach(() => sandbox.onModuleDestroy());

  it('parses and chunks a document in the child and returns the chunks', async () => {
    const chunks = await chunksOf(sandbox.parse(Buffer.from('# Install\n\nRun the installer.\n\n# Backups\n\nCopy the data directory.'), 'md', DEFAULT_CHUNK_OPTIONS));
    expect(chunks.map((chunk) => [chunk.title, chunk.content])).toEqual([
      ['Install', 'Run the installer.'],
      ['Backups', 'Copy the data directory.'],
    ]);
  });

  it('passes a parser failure through as the same permanent error', async () => {
    const error = await rejection(sandbox.parse(Buffer.from('not a pdf'), 'pdf', DEFAULT_CHUNK_OPTIONS));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^PDF could not be read: /);
  });

  it('stops the DOCX that inflates to 1.5 million paragraphs at the memory cap, and keeps working after', async () => {
    const bomb = await buildEmptyParagraphDocx(1_500_000);
    expect(bomb.length).toBeLessThan(400_000);
    const started = Date.now();
    let maxLag = 0;
    let last = Date.now();
    const lagProbe = setInterval(() => {
      maxLag = Math.max(maxLag, Date.now() - last - 20);
      last = Date.now();
    }, 20);
    const error = await rejection(sandbox.parse(bomb, 'docx', DEFAULT_CHUNK_OPTIONS)).finally(() => clearInterval(lagProbe));
    expect(error).toBeInstanceOf(ParserOverrunError);
    expect((error as ParserOverrunError).kind).toBe('memory');
    expect(error.message).toBe('parsing needed more than 256 MB of memory (PARSE_MAX_MEMORY_MB) and was stopped');
    expect(Date.now() - started).toBeLessThan(LIMITS.timeoutMs);
    // The parse ran elsewhere: this process' event loop kept turning (a loose bound on a busy box).
    expect(maxLag).toBeLessThan(1_000);

    const after = await chunksOf(sandbox.parse(Buffer.from('still alive'), 'txt', DEFAULT_CHUNK_OPTIONS));
    expect(after[0].content).toBe('still alive');
  }, 60_000);

  it('stops a parse that runs past the time cap', async () => {
    const quick = new ParserSandbox({ ...LIMITS, timeoutMs: 1_000, maxMemoryMb: 1024 });
    try {
      const error = await rejection(quick.parse(await buildEmptyParagraphDocx(1_500_000), 'docx', DEFAULT_CHUNK_OPTIONS));
      expect(error).toBeInstanceOf(ParserOverrunError);
      expect((error as ParserOverrunError).kind).toBe('timeout');
      expect(error.message).toBe('parsing took longer than 1 s (PARSE_TIMEOUT_MS) and was stopped');
    } finally {
      await quick.onModuleDestroy();
    }
  }, 60_000);

  it('refuses a zip bomb from its declared sizes before inflating it', async () => {
    const bomb = await buildZipBombDocx(64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200_000);
    const error = await rejection(sandbox.parse(bomb, 'docx', DEFAULT_CHUNK_OPTIONS));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe('DOCX unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb');
  });

  it('refuses a PDF of 100,000 pages by its page count', async () => {
    const error = await rejection(sandbox.parse(buildManyPagePdf(100_000), 'pdf', DEFAULT_CHUNK_OPTIONS));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe('PDF has 100000 pages; at most 1000 are accepted (MAX_DOCUMENT_PAGES)');
  }, 60_000);

  it('reads HTML nested 20,000 deep within the caps', async () => {
    const chunks = await chunksOf(sandbox.parse(buildDeepHtml(20_000), 'html', DEFAULT_CHUNK_OPTIONS));
    expect(chunks.map((chunk) => chunk.content)).toEqual(['deep sentence']);
  }, 60_000);

  it('chunks a 10 MB CSV that is one single line within the caps', async () => {
    const line = Array.from({ length: 1_000_000 }, (_, i) => `v${i % 1000}`).join(',');
    expect(line.length).toBeGreaterThan(4_000_000);
    const chunks = await chunksOf(sandbox.parse(Buffer.from(line), 'csv', DEFAULT_CHUNK_OPTIONS));
    expect(chunks.length).toBeGreaterThan(100);
  }, 60_000);
});

describe('ParserSandbox streaming (chunks handed on as they are made)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fjord-sandbox-stream-'));
  let sandbox: ParserSandbox;
  beforeEach(() => {
    sandbox = new ParserSandbox(LIMITS);
  });
  afterEach(() => sandbox.onModuleDestroy());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('chunks a 16 MB CSV read from a file in a parser capped at 64 MB of heap, one acknowledged batch at a time', async () => {
    // Read whole (parseCsv, then chunkDocument), this file runs a 64 MB heap out of memory within
    // seconds: 16 million characters and ~1.7 million cell strings. Streamed, the parser holds a
    // slice of the file's text and a block of rows at a time.
    const path = join(dir, 'large.csv');
    const rows = ['id,name,city,amount,note'];
    let size = rows[0].length;
    for (let i = 0; size < 16 * 1024 * 1024; i++) {
      const row = `${i},name ${i % 997},city ${i % 113},${(i * 37) % 10000}.${i % 100},note about row ${i}`;
      rows.push(row);
      size += row.length + 1;
    }
    writeFileSync(path, rows.join('\n'));
    const lastId = rows.length - 2;
    rows.length = 0;

    const small = new ParserSandbox({ ...LIMITS, maxMemoryMb: 64, timeoutMs: 600_000 });
    try {
      let batches = 0;
      let chunks = 0;
      let inFlight = 0;
      let lastContent = '';
      const result = await small.parse({ path }, 'csv', DEFAULT_CHUNK_OPTIONS, {
        onChunks: async (batch) => {
          inFlight++;
          // The next batch never arrives before this one is acknowledged.
          expect(inFlight).toBe(1);
          expect(batch[0].chunkId).toBe(chunks);
          expect(batch.every((chunk) => chunk.content.startsWith('| id | name | city | amount | note |'))).toBe(true);
          batches++;
          chunks += batch.length;
          lastContent = batch[batch.length - 1].content;
          await new Promise((resolve) => setImmediate(resolve));
          inFlight--;
        },
      });
      expect(result).toEqual({ kind: 'chunks', title: undefined, chunks: [], chunkCount: chunks });
      expect(batches).toBeGreaterThan(10);
      expect(lastContent).toContain(`| ${lastId} | name ${lastId % 997} |`);
    } finally {
      await small.onModuleDestroy();
    }
  }, 600_000);

  it('stops the parser and passes the consumer\'s error through when a batch cannot be taken', async () => {
    const refused = new Error('storage is gone');
    const error = await rejection(
      sandbox.parse(Buffer.from(Array.from({ length: 400 }, (_, i) => `Paragraph ${i}. ${'Words go here. '.repeat(30)}`).join('\n\n')), 'txt', DEFAULT_CHUNK_OPTIONS, {
        onChunks: async () => {
          throw refused;
        },
      }),
    );
    expect(error).toBe(refused);
    const after = await chunksOf(sandbox.parse(Buffer.from('still alive'), 'txt', DEFAULT_CHUNK_OPTIONS));
    expect(after[0].content).toBe('still alive');
  });
});
