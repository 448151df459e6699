/**
 * npm run bench:documents — large files through the parser sandbox: a generated text PDF of
 * PAGES pages (default 2,000) and a generated CSV of CSV_MB megabytes (default 20). Reports wall
 * time, pages/s, the parser child's peak resident memory (polled from /proc) and this process's.
 * Anchor, in the same run: the same PDF's text extracted in-process by PDF.js (unpdf), the library
 * LangChain's PDF loaders wrap, without chunking.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_CHUNK_OPTIONS } from '@fjord/ingestion/chunking/chunk';
import { ParserSandbox } from '@fjord/ingestion/sandbox/parser-sandbox';
import { buildPdf } from '../test/support/document-fixtures';

const PAGES = Number(process.env.PAGES ?? 2000);
const CSV_MB = Number(process.env.CSV_MB ?? 20);
const MiB = 1024 * 1024;

function rssOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  } catch {
    return 0;
  }
}

function childPids(): number[] {
  try {
    return readdirSync(`/proc/${process.pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

async function measure<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number; childPeakMb: number; selfPeakMb: number }> {
  let childPeak = 0;
  let selfPeak = process.memoryUsage().rss;
  const probe = setInterval(() => {
    for (const pid of childPids()) childPeak = Math.max(childPeak, rssOf(pid));
    selfPeak = Math.max(selfPeak, process.memoryUsage().rss);
  }, 50);
  const started = process.hrtime.bigint();
  try {
    const result = await run();
    return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9, childPeakMb: childPeak / MiB, selfPeakMb: selfPeak / MiB };
  } finally {
    clearInterval(probe);
  }
}

function textPdf(pages: number): Buffer {
  const words = 'pump valve gauge filter motor seal pressure sensor technician manual spring water lake'.split(' ');
  return buildPdf(
    Array.from({ length: pages }, (_, p) =>
      Array.from({ length: 30 }, (_, line) => Array.from({ length: 10 }, (_, w) => words[(p * 31 + line * 7 + w * 3) % words.length]).join(' ')),
    ),
  );
}

function csv(megabytes: number): Buffer {
  const rows: string[] = ['id,name,city,amount,note'];
  let size = rows[0].length;
  for (let i = 0; size < megabytes * MiB; i++) {
    const row = `${i},name ${i % 997},city ${i % 113},${(i * 37) % 10000}.${i % 100},note about row ${i}`;
    rows.push(row);
    size += row.length + 1;
  }
  return Buffer.from(rows.join('\n'));
}

async function main(): Promise<void> {
  const limits = { timeoutMs: 1_800_000, maxMemoryMb: 1024, maxAttempts: 1, maxPages: 100_000, maxDecompressedBytes: 512 * MiB };
  const sandbox = new ParserSandbox(limits);
  try {
    const pdf = textPdf(PAGES);
    console.log(`text PDF: ${PAGES} pages, ${(pdf.length / MiB).toFixed(1)} MiB`);
    const fjord = await measure(() => sandbox.parse(pdf, 'pdf', DEFAULT_CHUNK_OPTIONS));
    const chunks = fjord.result.kind === 'chunks' ? fjord.result.chunks.length : 0;
    console.log(
      `fjord (sandbox: parse + clean + chunk): ${fjord.seconds.toFixed(1)} s, ${(PAGES / fjord.seconds).toFixed(1)} pages/s, ${chunks} chunks, ` +
        `parser child peak RSS ${fjord.childPeakMb.toFixed(0)} MB, this process peak ${fjord.selfPeakMb.toFixed(0)} MB`,
    );
    const anchor = await measure(async () => {
      const { getDocumentProxy, extractText } = await import('unpdf');
      const document = await getDocumentProxy(new Uint8Array(pdf));
      const { text } = await extractText(document, { mergePages: false });
      await document.destroy();
      return text.length;
    });
    console.log(
      `anchor (PDF.js text extraction in-process, no chunking): ${anchor.seconds.toFixed(1)} s, ${(PAGES / anchor.seconds).toFixed(1)} pages/s, ` +
        `process peak RSS ${anchor.selfPeakMb.toFixed(0)} MB`,
    );

    const table = csv(CSV_MB);
    console.log(`CSV: ${(table.length / MiB).toFixed(1)} MiB`);
    const rows = await measure(() => sandbox.parse(table, 'csv', DEFAULT_CHUNK_OPTIONS));
    const csvChunks = rows.result.kind === 'chunks' ? rows.result.chunks.length : 0;
    console.log(
      `fjord CSV (sandbox: parse + chunk): ${rows.seconds.toFixed(1)} s, ${(table.length / MiB / rows.seconds).toFixed(2)} MiB/s, ${csvChunks} chunks, ` +
        `parser child peak RSS ${rows.childPeakMb.toFixed(0)} MB, this process peak ${rows.selfPeakMb.toFixed(0)} MB`,
    );
  } finally {
    await sandbox.onModuleDestroy();
  }
}

void main();
