/**
 * npm run bench:office — a generated workbook of ROWS rows (default 100,000) x 6 columns through
 * the parser sandbox (SheetJS read, one table per sheet, chunking with row positions), RUNS times
 * (default 3). Reports median wall time, rows/s and the parser child's peak resident memory
 * (polled from /proc). Anchor, in the same run: the same bytes read in-process by SheetJS and
 * turned into CSV text (what a plain loader does, with no chunking, positions or sandbox).
 */
import * as XLSX from '@e965/xlsx';
import { DEFAULT_CHUNK_OPTIONS } from '@fjord/ingestion/chunking/chunk';
import { ParserSandbox } from '@fjord/ingestion/sandbox/parser-sandbox';
import { measure, median } from './support/process-memory';

const ROWS = Number(process.env.ROWS ?? 100_000);
const RUNS = Number(process.env.RUNS ?? 3);
const MiB = 1024 * 1024;

function workbook(rows: number): Buffer {
  const data: (string | number)[][] = [['id', 'item', 'port', 'weight_kg', 'owner', 'note']];
  const ports = ['Tromsø', 'Bergen', 'Ålesund', 'Bodø', 'Hammerfest'];
  for (let i = 1; i <= rows; i++) data.push([i, `crate ${i % 997}`, ports[i % ports.length], (i * 37) % 10_000, `owner ${i % 113}`, `checked on deck ${i % 7}`]);
  const book = XLSX.utils.book_new();
  XLSX.utils.book_append_sheet(book, XLSX.utils.aoa_to_sheet(data), 'Cargo');
  return XLSX.write(book, { type: 'buffer', bookType: 'xlsx', compression: true }) as Buffer;
}

async function main(): Promise<void> {
  const limits = { timeoutMs: 1_800_000, maxMemoryMb: 1024, maxAttempts: 1, maxPages: 5_000, maxDecompressedBytes: 512 * MiB };
  const sandbox = new ParserSandbox(limits);
  try {
    const bytes = workbook(ROWS);
    console.log(`xlsx: ${ROWS} rows x 6 columns, ${(bytes.length / MiB).toFixed(1)} MiB, ${RUNS} runs`);
    const fjord: Awaited<ReturnType<typeof measure>>[] = [];
    const anchor: Awaited<ReturnType<typeof measure>>[] = [];
    let chunks = 0;
    for (let run = 0; run < RUNS; run++) {
      const result = await measure(() => sandbox.parse(bytes, 'xlsx', DEFAULT_CHUNK_OPTIONS));
      chunks = result.result.kind === 'chunks' ? result.result.chunks.length : 0;
      fjord.push(result);
      anchor.push(
        await measure(async () => {
          const book = XLSX.read(bytes, { type: 'buffer', dense: true });
          return book.SheetNames.map((name) => XLSX.utils.sheet_to_csv(book.Sheets[name])).join('\n').length;
        }),
      );
    }
    const fjordSeconds = median(fjord.map((m) => m.seconds));
    const anchorSeconds = median(anchor.map((m) => m.seconds));
    console.log(
      `fjord (sandbox: read + tables + chunk with row positions): median ${fjordSeconds.toFixed(2)} s, ${Math.round(ROWS / fjordSeconds)} rows/s, ` +
        `${chunks} chunks, parser child peak RSS median ${median(fjord.map((m) => m.childPeakMb)).toFixed(0)} MB`,
    );
    console.log(
      `anchor (SheetJS read + sheet_to_csv in-process, no chunking): median ${anchorSeconds.toFixed(2)} s, ${Math.round(ROWS / anchorSeconds)} rows/s, ` +
        `process peak RSS ${Math.max(...anchor.map((m) => m.selfPeakMb)).toFixed(0)} MB`,
    );
    console.log(`ratio fjord / anchor: ${(fjordSeconds / anchorSeconds).toFixed(2)}x`);
  } finally {
    await sandbox.onModuleDestroy();
  }
}

void main();
