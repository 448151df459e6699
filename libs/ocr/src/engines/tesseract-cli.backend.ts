import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { OcrError } from '../ocr-error';
import { OcrLanguage, OcrLine } from '../ocr.types';
import { OcrBackend, TESSERACT_PARAMETERS } from './ocr-backend';

const run = promisify(execFile);

/** The installed `tesseract` binary's languages, or undefined when there is no binary. */
export async function tesseractCliLanguages(binary = 'tesseract'): Promise<OcrLanguage[] | undefined> {
  try {
    const { stdout, stderr } = await run(binary, ['--list-langs'], { timeout: 10_000 });
    // Tesseract 4 prints the list on stderr, 5 on stdout; the first line is a heading.
    return `${stdout}\n${stderr}`
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[a-z_]+$/i.test(line));
  } catch {
    return undefined;
  }
}

interface TsvWord {
  block: number;
  line: string;
  left: number;
  top: number;
  width: number;
  height: number;
  conf: number;
  text: string;
}

/** Groups Tesseract's TSV words (level 5) into lines, and lines into blocks, in the order Tesseract read them. */
export function linesFromTsv(tsv: string): OcrLine[][] {
  const words: TsvWord[] = [];
  for (const row of tsv.split('\n').slice(1)) {
    const cells = row.split('\t');
    if (cells.length < 12 || cells[0] !== '5') continue;
    const [, , block, paragraph, line, , left, top, width, height, conf, ...text] = cells;
    words.push({ block: Number(block), line: `${block}.${paragraph}.${line}`, left: +left, top: +top, width: +width, height: +height, conf: +conf, text: text.join('\t') });
  }
  const blocks = new Map<number, Map<string, TsvWord[]>>();
  for (const word of words) {
    if (word.text.trim() === '') continue;
    const lines = blocks.get(word.block) ?? new Map<string, TsvWord[]>();
    blocks.set(word.block, lines);
    lines.set(word.line, [...(lines.get(word.line) ?? []), word]);
  }
  return [...blocks.values()].map((lines) =>
    [...lines.values()].map((lineWords) => ({
      text: lineWords.map((word) => word.text).join(' '),
      bbox: {
        x0: Math.min(...lineWords.map((w) => w.left)),
        y0: Math.min(...lineWords.map((w) => w.top)),
        x1: Math.max(...lineWords.map((w) => w.left + w.width)),
        y1: Math.max(...lineWords.map((w) => w.top + w.height)),
      },
      confidence: lineWords.reduce((sum, w) => sum + Math.max(0, w.conf), 0) / lineWords.length / 100,
    })),
  );
}

/** Debian's `tesseract` (apt-get install tesseract-ocr tesseract-ocr-chi-sim), one process per page. */
export class TesseractCliBackend implements OcrBackend {
  readonly name = 'tesseract-cli' as const;

  constructor(private readonly binary = 'tesseract') {}

  async recognize(png: Buffer, languages: OcrLanguage[], timeoutMs: number): Promise<OcrLine[][]> {
    const settings = Object.entries(TESSERACT_PARAMETERS)
      .filter(([name]) => name !== 'tessedit_pageseg_mode')
      .flatMap(([name, value]) => ['-c', `${name}=${value}`]);
    const args = ['stdin', 'stdout', '-l', languages.join('+'), '--oem', '1', '--psm', TESSERACT_PARAMETERS.tessedit_pageseg_mode, ...settings, 'tsv'];
    const tsv = await new Promise<string>((resolve, reject) => {
      // One thread per process: pages run in parallel across lanes, and OpenMP threads would fight over the cores.
      // The timeout kills the process: when the page overruns, the main thread stops this thread,
      // which would leave a child process running on its own.
      const child = spawn(this.binary, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OMP_THREAD_LIMIT: '1' }, timeout: timeoutMs, killSignal: 'SIGKILL' });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => reject(new OcrError('unavailable', `could not run ${this.binary}: ${error.message}`, { cause: error })));
      child.on('close', (code) => {
        if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
        else reject(new OcrError('crashed', `${this.binary} exited with ${code}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 500)}`));
      });
      child.stdin.on('error', () => undefined); // a process that died early is reported by 'close'
      child.stdin.end(png);
    });
    return linesFromTsv(tsv);
  }

  async close(): Promise<void> {}
}
