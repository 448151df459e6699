import { npmTrainedData, tesseractJsInstalled } from './engines/tesseract-js.backend';
import { tesseractCliLanguages } from './engines/tesseract-cli.backend';
import { OcrAvailability, OcrEngineChoice, OcrLanguage } from './ocr.types';

/** Debian names its tesseract language packages tesseract-ocr-<code>, with dashes (chi_sim -> chi-sim). */
const debianPackage = (code: OcrLanguage) => `tesseract-ocr-${code.replace(/_/g, '-').toLowerCase()}`;

async function checkTesseractJs(languages: OcrLanguage[]): Promise<OcrAvailability> {
  if (!tesseractJsInstalled()) {
    return { available: false, languages, reason: 'tesseract.js is not installed: run `npm install` in the fjord directory' };
  }
  const missing = languages.filter((code) => !npmTrainedData(code));
  if (missing.length > 0) {
    const packages = missing.map((code) => `@tesseract.js-data/${code}`).join(' ');
    return { available: false, languages, reason: `OCR languages ${missing.join(', ')} are not installed for tesseract.js: run \`npm install ${packages}\`` };
  }
  return { available: true, engine: 'tesseract.js', languages, detail: `tesseract.js with ${languages.join('+')} from npm packages` };
}

async function checkTesseractCli(languages: OcrLanguage[], binary: string): Promise<OcrAvailability> {
  const installed = await tesseractCliLanguages(binary);
  if (!installed) {
    const packages = ['tesseract-ocr', ...languages.map(debianPackage)].join(' ');
    return { available: false, languages, reason: `the tesseract program is not installed: run \`apt-get install ${packages}\`` };
  }
  const missing = languages.filter((code) => !installed.includes(code));
  if (missing.length > 0) {
    return {
      available: false,
      languages,
      reason: `tesseract lacks the OCR languages ${missing.join(', ')}: run \`apt-get install ${missing.map(debianPackage).join(' ')}\``,
    };
  }
  return { available: true, engine: 'tesseract-cli', languages, detail: `tesseract (command line) with ${languages.join('+')}` };
}


/**
 * Which engine can read the given languages. `auto` prefers tesseract.js (it needs nothing but
 * `npm install`) and falls back to the tesseract program; when neither can, the reason says what
 * to install for each.
 */
export async function checkOcrAvailability(choice: OcrEngineChoice, languages: OcrLanguage[], tesseractBinary = 'tesseract'): Promise<OcrAvailability> {
  if (choice === 'tesseract.js') return checkTesseractJs(languages);
  if (choice === 'tesseract-cli') return checkTesseractCli(languages, tesseractBinary);
  const embedded = await checkTesseractJs(languages);
  if (embedded.available) return embedded;
  const cli = await checkTesseractCli(languages, tesseractBinary);
  if (cli.available) return cli;
  return { available: false, languages, reason: `OCR is unavailable. ${capitalise(embedded.reason)}; or ${cli.reason}.` };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
