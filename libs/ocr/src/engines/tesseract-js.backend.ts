import { mkdirSync, symlinkSync, existsSync, realpathSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createWorker, OEM, Worker } from 'tesseract.js';
import { OcrError } from '../ocr-error';
import { OcrLanguage, OcrLine } from '../ocr.types';
import { OcrBackend, TESSERACT_PARAMETERS } from './ocr-backend';

/** The integer-quantised LSTM models: a third of the size of the float ones and faster, same text on the fixtures. */
const MODEL_VARIANT = '4.0.0_best_int';

/** The traineddata file an npm package `@tesseract.js-data/<code>` ships, or undefined when it is not installed. */
export function npmTrainedData(code: OcrLanguage): string | undefined {
  try {
    const packageDir = dirname(require.resolve(`@tesseract.js-data/${code}/package.json`));
    const file = join(packageDir, MODEL_VARIANT, `${code}.traineddata.gz`);
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

export function tesseractJsInstalled(): boolean {
  try {
    require.resolve('tesseract.js');
    require.resolve('tesseract.js-core/package.json');
    return true;
  } catch {
    return false;
  }
}

/**
 * tesseract.js reads every language from one directory (`langPath`), while each language ships in
 * its own npm package, so a directory of links to the installed files is made once in the temp dir.
 * Nothing is ever fetched: with `langPath` set to a local path tesseract.js reads files only.
 */
function languageDirectory(languages: OcrLanguage[]): string {
  const files = languages.map((code) => {
    const file = npmTrainedData(code);
    if (!file) throw new OcrError('unavailable', `OCR language "${code}" is not installed: run \`npm install @tesseract.js-data/${code}\``);
    return [code, realpathSync(file)] as const;
  });
  const key = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `fjord-tessdata-${key}`);
  mkdirSync(dir, { recursive: true });
  for (const [code, file] of files) {
    const link = join(dir, `${code}.traineddata.gz`);
    if (!existsSync(link)) {
      try {
        symlinkSync(file, link);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another thread made it
      }
    }
  }
  return dir;
}

/** tesseract.js (Tesseract compiled to WebAssembly) with the language models from npm packages. */
export class TesseractJsBackend implements OcrBackend {
  readonly name = 'tesseract.js' as const;
  private worker?: Worker;
  private workerLanguages = '';

  async recognize(png: Buffer, languages: OcrLanguage[]): Promise<OcrLine[][]> {
    // No timeout here: its WebAssembly runs in threads that end with this one.
    const worker = await this.workerFor(languages);
    const { data } = await worker.recognize(png, {}, { blocks: true, text: false });
    return (data.blocks ?? []).map((block) =>
      block.paragraphs.flatMap((paragraph) =>
        paragraph.lines.map((line) => ({ text: line.text.trim(), bbox: { ...line.bbox }, confidence: line.confidence / 100 })),
      ),
    );
  }

  private async workerFor(languages: OcrLanguage[]): Promise<Worker> {
    const key = languages.join('+');
    if (this.worker && this.workerLanguages === key) return this.worker;
    await this.close();
    const langPath = languageDirectory(languages);
    const worker = await createWorker(languages, OEM.LSTM_ONLY, { langPath, gzip: true, cacheMethod: 'none' });
    await worker.setParameters(TESSERACT_PARAMETERS);
    this.worker = worker;
    this.workerLanguages = key;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.workerLanguages = '';
    if (worker) await worker.terminate();
  }
}
