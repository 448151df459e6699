/**
 * npm run bench:ocr — the OCR engines on the fixture pages (libs/ocr/fixtures): character error rate
 * against the ground truth, and seconds per page (median of RUNS after one warm-up page that loads
 * the models). tesseract.js is the anchor; the others are reported as ratios of its time.
 *
 * Candidates: tesseract.js (npm, the embedded default), Debian's tesseract program (when installed:
 * apt-get install tesseract-ocr tesseract-ocr-chi-sim), and PaddleOCR PP-OCRv4 through
 * onnxruntime-node (@gutenye/ocr-node, not a dependency of fjord: to include it, run
 * `ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save @gutenye/ocr-node` first).
 *
 * Then the throughput of tesseract.js on 8 pages at OCR_CONCURRENCY 1 and 2.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { OcrEngine, OcrEngineName, characterErrorRate, sharedBytes } from '@fjord/ocr';

const FIXTURES = join(__dirname, '../../libs/ocr/fixtures');
const PAGES = ['english.png', 'chinese.png', 'two-column.png', 'skewed-photo.jpg', 'scanned-chinese.pdf'];
const RUNS = Number(process.env.OCR_BENCH_RUNS ?? 3);

const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const truth = (name: string) => readFileSync(join(FIXTURES, name.replace(/\.\w+$/, '.txt')), 'utf8');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Candidate {
  name: string;
  /** Reads one fixture; undefined when the candidate cannot read that kind of file. */
  read(name: string): Promise<string> | undefined;
  close(): Promise<void>;
}

interface Row {
  engine: string;
  page: string;
  cer: number;
  seconds: number;
}

function fjordEngine(engine: OcrEngineName): Candidate {
  const ocr = new OcrEngine({ engine, concurrency: 1 });
  return {
    name: engine,
    read: (name) =>
      name.endsWith('.pdf')
        ? ocr.recognizePdfPage(sharedBytes(fixture(name)), 1).then((page) => page.text)
        : ocr.recognize(fixture(name)).then((page) => page.text),
    close: () => ocr.close(),
  };
}

/** PaddleOCR's lines come back top to bottom; joined by newlines as fjord joins lines. */
async function paddle(): Promise<Candidate | string> {
  let module: { default: { create(): Promise<{ detect(image: unknown): Promise<Array<{ text: string }>> }> } };
  try {
    module = await import('@gutenye/ocr-node' as string);
  } catch {
    return 'not installed (ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save @gutenye/ocr-node)';
  }
  const ocr = await module.default.create();
  return {
    name: 'PaddleOCR PP-OCRv4 (onnxruntime-node)',
    read: (name) => (name.endsWith('.pdf') ? undefined : ocr.detect(fixture(name)).then((lines) => lines.map((line) => line.text).join('\n'))),
    close: async () => undefined,
  };
}

async function measure(candidate: Candidate): Promise<{ rows: Row[]; warmUpSeconds: number }> {
  let started = performance.now();
  await candidate.read('english.png');
  const warmUpSeconds = (performance.now() - started) / 1000;
  const rows: Row[] = [];
  for (const page of PAGES) {
    const times: number[] = [];
    let text: string | undefined;
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      const reading = candidate.read(page);
      if (!reading) break;
      text = await reading;
      times.push((performance.now() - started) / 1000);
    }
    if (text !== undefined) rows.push({ engine: candidate.name, page, cer: characterErrorRate(text, truth(page)), seconds: median(times) });
    console.error(`  ${candidate.name} ${page}: ${text === undefined ? 'n/a' : `${rows[rows.length - 1].cer.toFixed(3)} CER, ${rows[rows.length - 1].seconds.toFixed(2)} s`}`);
  }
  return { rows, warmUpSeconds };
}

async function throughput(concurrency: number, pages: number): Promise<number> {
  const ocr = new OcrEngine({ engine: 'tesseract.js', concurrency });
  try {
    await Promise.all(Array.from({ length: concurrency }, () => ocr.recognize(fixture('chinese.png')))); // load the models in every thread
    const images = Array.from({ length: pages }, (_, i) => fixture(PAGES[i % 4]));
    const started = performance.now();
    await Promise.all(images.map((image) => ocr.recognize(image)));
    return pages / ((performance.now() - started) / 1000);
  } finally {
    await ocr.close();
  }
}

async function main(): Promise<void> {
  console.error(`bench:ocr on ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${RUNS} runs per page`);
  const candidates: Candidate[] = [fjordEngine('tesseract.js')];
  const notes: string[] = [];
  const cli = new OcrEngine({ engine: 'tesseract-cli' });
  const cliStatus = await cli.availability();
  await cli.close();
  if (cliStatus.available) candidates.push(fjordEngine('tesseract-cli'));
  else notes.push(`tesseract-cli: ${cliStatus.reason}`);
  const paddleCandidate = await paddle();
  if (typeof paddleCandidate === 'string') notes.push(`PaddleOCR: ${paddleCandidate}`);
  else candidates.push(paddleCandidate);

  const results: Array<{ name: string; rows: Row[]; warmUpSeconds: number }> = [];
  for (const candidate of candidates) {
    results.push({ name: candidate.name, ...(await measure(candidate)) });
    await candidate.close();
  }
  const anchor = results[0];
  const anchorSeconds = median(anchor.rows.map((row) => row.seconds));

  const header = ['engine', ...PAGES.map((page) => `${page} CER / s`), 'mean CER', 's/page (median)', 'vs tesseract.js', 'first page (loads models)'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const result of results) {
    const cells = PAGES.map((page) => {
      const row = result.rows.find((r) => r.page === page);
      return row ? `${row.cer.toFixed(3)} / ${row.seconds.toFixed(2)}` : 'n/a';
    });
    const meanCer = result.rows.reduce((sum, row) => sum + row.cer, 0) / result.rows.length;
    const seconds = median(result.rows.map((row) => row.seconds));
    console.log(`| ${result.name} | ${cells.join(' | ')} | ${meanCer.toFixed(3)} | ${seconds.toFixed(2)} | ${(seconds / anchorSeconds).toFixed(2)}x | ${result.warmUpSeconds.toFixed(1)} s |`);
  }
  for (const note of notes) console.log(`\n${note}`);

  const pages = 8;
  const one = await throughput(1, pages);
  const two = await throughput(2, pages);
  console.log(`\ntesseract.js throughput on ${pages} pages: ${one.toFixed(2)} pages/s at OCR_CONCURRENCY=1, ${two.toFixed(2)} pages/s at 2 (${(two / one).toFixed(2)}x)`);
  console.log(`load average after the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
