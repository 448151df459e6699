import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import WordExtractor from 'word-extractor';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import { parseDocx } from './docx.parser';
import type { ParsedDocument } from './parsed-document';
import { parsePptx } from './presentation.parser';

/** The first bytes of an OLE compound file, the container of Word and PowerPoint 97-2003 files. */
const COMPOUND_FILE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ZIP_MAGIC = Buffer.from('PK\u0003\u0004');

/** Without a sandbox timeout to follow, a conversion still ends. */
const DEFAULT_CONVERSION_MS = 120_000;

/**
 * Word 97-2003 (.doc) through word-extractor (pure JavaScript, reads the OLE container): the body
 * text, then footnotes and endnotes. A Word 2007+ file saved with a .doc name goes to the DOCX parser.
 */
export async function parseDoc(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
  if (startsWith(bytes, ZIP_MAGIC)) return parseDocx(bytes, limits);
  if (!startsWith(bytes, COMPOUND_FILE_MAGIC)) {
    throw new PermanentError(FailedCode.Corrupt, 'DOC could not be read: not a Word 97-2003 document (RTF or HTML saved as .doc: upload it with that doc_type)');
  }
  const document = await new WordExtractor().extract(bytes);
  const parts = [document.getBody(), document.getFootnotes(), document.getEndnotes()].map((part) => part.trim()).filter((part) => part !== '');
  return { kind: 'plain', pages: [parts.join('\n\n')], paged: false };
}

/**
 * PowerPoint 97-2003 (.ppt): no maintained JavaScript reader exists, so LibreOffice converts it to
 * pptx when it is installed (`soffice --headless --convert-to pptx`), and the PPTX parser reads
 * that. The conversion gets its own profile directory (so conversions can run side by side) and is
 * killed a little before the parser sandbox's own time cap.
 */
export async function parsePpt(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
  if (startsWith(bytes, ZIP_MAGIC)) return parsePptx(bytes, limits);
  if (!startsWith(bytes, COMPOUND_FILE_MAGIC)) {
    throw new PermanentError(FailedCode.Corrupt, 'PPT could not be read: not a PowerPoint 97-2003 presentation');
  }
  const soffice = findLibreOffice();
  if (!soffice) {
    throw new PermanentError(
      FailedCode.Unsupported,
      'PPT (PowerPoint 97-2003) needs LibreOffice to convert it, and it is not installed: install it (apt-get install libreoffice-impress) or upload the deck as pptx',
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'fjord-ppt-'));
  try {
    await writeFile(path.join(dir, 'deck.ppt'), bytes);
    const timeoutMs = Math.max(5_000, Math.floor((limits.timeoutMs ?? DEFAULT_CONVERSION_MS) * 0.9));
    await run(soffice, ['--headless', '--norestore', `-env:UserInstallation=file://${dir}/profile`, '--convert-to', 'pptx', '--outdir', dir, path.join(dir, 'deck.ppt')], dir, timeoutMs);
    const converted = await readFile(path.join(dir, 'deck.pptx')).catch(() => {
      throw new PermanentError(FailedCode.Corrupt, 'PPT could not be read: LibreOffice could not convert it');
    });
    return await parsePptx(converted, limits, 'PPT');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `soffice` (or `libreoffice`) on the PATH. */
export function findLibreOffice(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['soffice', 'libreoffice']) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs the converter in its own process group, so a timeout kills soffice.bin too, not only the wrapper script. */
function run(command: string, args: string[], home: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: home } });
    let stderr = '';
    child.stderr.on('data', (part: Buffer) => (stderr = (stderr + part.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      killGroup(child.pid);
      reject(new PermanentError(FailedCode.ParseLimit, `PPT conversion by LibreOffice took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new PermanentError(FailedCode.Unsupported, `PPT could not be converted: LibreOffice did not start (${error.message})`));
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new PermanentError(FailedCode.Corrupt, `PPT could not be read: LibreOffice failed to convert it (${stderr.trim().split('\n').pop() || `exit code ${code}`})`));
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function startsWith(bytes: Buffer, magic: Buffer): boolean {
  return bytes.length >= magic.length && bytes.subarray(0, magic.length).equals(magic);
}
