/**
 * npm run bench:documents — large files through the parser sandbox the way the ingestion pipeline
 * uses it: the file is read by the parser process from disk, chunks stream back in acknowledged
 * batches, and this process (standing in for the worker) embeds each batch (the local embedder)
 * and drops it, as the pipeline does after writing the batch.
 *   - a generated text PDF of PAGES pages (default 2,000);
 *   - a generated CSV of CSV_MB megabytes (default 200), written to a temporary file, never committed.
 * Reports wall time, pages/s or MiB/s, the parser child's peak resident memory (polled from /proc)
 * and this process's.
 * Anchor, in the same run: the same PDF through LangChain's PDFLoader (@langchain/community) in
 * process, given PDF.js from unpdf through its `pdfjs` option (so pdf-parse is not needed), with
 * no chunking or embedding.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { type Chunk, DEFAULT_CHUNK_OPTIONS } from '@fjord/ingestion/chunking/chunk';
import { ParserSandbox } from '@fjord/ingestion/sandbox/parser-sandbox';
import { buildPdf } from '../test/support/document-fixtures';
import { measure, median } from './support/process-memory';

const PAGES = Number(process.env.PAGES ?? 2000);
const CSV_MB = Number(process.env.CSV_MB ?? 200);
/** Which files to run (`pdf,csv`); the CSV alone in a fresh process shows the worker's own memory. */
const ONLY = new Set((process.env.ONLY ?? 'pdf,csv').split(','));
/** PDF runs of each side, alternating which goes first; medians are reported. */
const PDF_RUNS = Number(process.env.PDF_RUNS ?? 3);
const MiB = 1024 * 1024;

function textPdf(pages: number): Buffer {
  const words = 'pump valve gauge filter motor seal pressure sensor technician manual spring water lake'.split(' ');
  return buildPdf(
    Array.from({ length: pages }, (_, p) =>
      Array.from({ length: 30 }, (_, line) => Array.from({ length: 10 }, (_, w) => words[(p * 31 + line * 7 + w * 3) % words.length]).join(' ')),
    ),
  );
}

/** Writes the CSV to `path` a block at a time (the file never exists in memory whole). */
function writeCsv(path: string, megabytes: number): number {
  const parts: string[] = ['id,name,city,amount,note\n'];
  let size = parts[0].length;
  writeFileSync(path, '');
  for (let i = 0; size < megabytes * MiB; i++) {
    const row = `${i},name ${i % 997},city ${i % 113},${(i * 37) % 10000}.${i % 100},note about row ${i}\n`;
    parts.push(row);
    size += row.length;
    if (parts.length >= 50_000) {
      writeFileSync(path, parts.join(''), { flag: 'a' });
      parts.length = 0;
    }
  }
  writeFileSync(path, parts.join(''), { flag: 'a' });
  return size;
}

/** What the worker does with each streamed batch, minus the database write: embed it, then let it go. */
function consumer(embedder: LocalHashEmbedder): { onChunks: (chunks: Chunk[]) => Promise<void>; count: () => number } {
  let count = 0;
  return {
    onChunks: async (chunks) => {
      const vectors = await embedder.embed(
        chunks.map((c) => `${c.title}\n${c.content}`),
        'document',
      );
      count += vectors.length;
    },
    count: () => count,
  };
}

async function main(): Promise<void> {
  const limits = { timeoutMs: 3_600_000, maxMemoryMb: 1024, maxAttempts: 1, maxPages: 100_000, maxDecompressedBytes: 512 * MiB };
  const sandbox = new ParserSandbox(limits);
  const embedder = new LocalHashEmbedder(384);
  const dir = mkdtempSync(join(tmpdir(), 'fjord-bench-documents-'));
  try {
    if (ONLY.has('pdf')) await pdfRuns(sandbox, embedder, dir);
    if (ONLY.has('csv')) await csvRun(sandbox, embedder, dir);
  } finally {
    await sandbox.onModuleDestroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pdfRuns(sandbox: ParserSandbox, embedder: LocalHashEmbedder, dir: string): Promise<void> {
  {
    const pdfPath = join(dir, 'manual.pdf');
    const pdfBytes = textPdf(PAGES);
    writeFileSync(pdfPath, pdfBytes);
    console.log(`text PDF: ${PAGES} pages, ${(pdfBytes.length / MiB).toFixed(1)} MiB`);
    const fjordRuns: Array<{ seconds: number; childPeakMb: number; selfPeakMb: number; chunks: number }> = [];
    const anchorRuns: Array<{ seconds: number; selfPeakMb: number; pages: number }> = [];
    const runFjord = async () => {
      const pdfConsumer = consumer(embedder);
      const run = await measure(() => sandbox.parse({ path: pdfPath }, 'pdf', DEFAULT_CHUNK_OPTIONS, { onChunks: pdfConsumer.onChunks }));
      fjordRuns.push({ ...run, chunks: pdfConsumer.count() });
    };
    const runAnchor = async () => {
      const run = await measure(async () => {
        const { PDFLoader } = await import('@langchain/community/document_loaders/fs/pdf');
        const { getResolvedPDFJS } = await import('unpdf');
        const loader = new PDFLoader(pdfPath, {
          splitPages: true,
          pdfjs: async () => {
            const pdfjs = await getResolvedPDFJS();
            return { getDocument: pdfjs.getDocument, version: pdfjs.version } as never;
          },
        });
        return (await loader.load()).length;
      });
      anchorRuns.push({ ...run, pages: run.result });
    };
    for (let i = 0; i < PDF_RUNS; i++) {
      if (i % 2 === 0) {
        await runFjord();
        await runAnchor();
      } else {
        await runAnchor();
        await runFjord();
      }
    }
    const fjordSeconds = median(fjordRuns.map((r) => r.seconds));
    const anchorSeconds = median(anchorRuns.map((r) => r.seconds));
    console.log(
      `fjord (sandbox: parse + clean + chunk, streamed; worker embeds each batch), median of ${PDF_RUNS}: ${fjordSeconds.toFixed(1)} s, ${(PAGES / fjordSeconds).toFixed(1)} pages/s, ` +
        `${fjordRuns[0].chunks} chunks, parser child peak RSS ${median(fjordRuns.map((r) => r.childPeakMb)).toFixed(0)} MB, ` +
        // Later runs follow an in-process anchor run, whose PDF.js memory this process keeps.
        `worker (this process) peak ${fjordRuns[0].selfPeakMb.toFixed(0)} MB in the first run (runs: ${fjordRuns.map((r) => r.seconds.toFixed(1)).join(', ')} s)`,
    );
    console.log(
      `anchor (LangChain PDFLoader in-process, PDF.js via unpdf, no chunking), median of ${PDF_RUNS}: ${anchorSeconds.toFixed(1)} s, ${(PAGES / anchorSeconds).toFixed(1)} pages/s, ` +
        `${anchorRuns[0].pages} page documents, process peak RSS ${median(anchorRuns.map((r) => r.selfPeakMb)).toFixed(0)} MB (runs: ${anchorRuns.map((r) => r.seconds.toFixed(1)).join(', ')} s); ` +
        `fjord/anchor time ${(fjordSeconds / anchorSeconds).toFixed(2)}x`,
    );

  }
}

async function csvRun(sandbox: ParserSandbox, embedder: LocalHashEmbedder, dir: string): Promise<void> {
  {
    const csvPath = join(dir, 'table.csv');
    const csvBytes = writeCsv(csvPath, CSV_MB);
    console.log(`CSV: ${(csvBytes / MiB).toFixed(1)} MiB (generated at ${csvPath})`);
    const csvConsumer = consumer(embedder);
    const rows = await measure(() => sandbox.parse({ path: csvPath }, 'csv', DEFAULT_CHUNK_OPTIONS, { onChunks: csvConsumer.onChunks }));
    console.log(
      `fjord CSV (sandbox: streamed parse + chunk; worker embeds each batch): ${rows.seconds.toFixed(1)} s, ${(csvBytes / MiB / rows.seconds).toFixed(2)} MiB/s, ` +
        `${csvConsumer.count()} chunks, parser child peak RSS ${rows.childPeakMb.toFixed(0)} MB, worker (this process) peak ${rows.selfPeakMb.toFixed(0)} MB`,
    );
  }
}

void main();
