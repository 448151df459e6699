import { distance } from 'fastest-levenshtein';

/** Han characters, CJK punctuation and full-width forms: text written without spaces between words. */
const CJK = '\\p{Script=Han}\\u3000-\\u303f\\uff00-\\uffef';
const SPACE_BETWEEN_CJK = new RegExp(`(?<=[${CJK}])[ \\t]+(?=[${CJK}])`, 'gu');

/**
 * Tesseract separates every Chinese "word" it segments with a space ("差旅费 用 须"), which would
 * split search terms; Chinese is written without them, so spaces between two CJK characters go.
 * Spaces between Latin words, and between Latin and Chinese, stay.
 */
export function removeSpacesBetweenCjk(text: string): string {
  return text.replace(SPACE_BETWEEN_CJK, '');
}

/** One line's text as fjord stores it: CJK spacing removed, runs of spaces collapsed, ends trimmed. */
export function cleanLine(text: string): string {
  return removeSpacesBetweenCjk(text.replace(/[ \t\u00a0]+/g, ' ')).trim();
}

/** Blocks (columns, paragraphs) in reading order, each a list of lines, as page text. */
export function assemblePageText(blocks: string[][]): string {
  return blocks
    .map((lines) => lines.map(cleanLine).filter((line) => line !== '').join('\n'))
    .filter((block) => block !== '')
    .join('\n\n');
}

/** Text compared the way a reader would: compatibility forms folded (full-width "，" is ","), whitespace ignored. */
function comparable(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '');
}

/**
 * Character error rate: edits (insertions, deletions, substitutions) needed to turn the recognised
 * text into the truth, per character of the truth. Whitespace is ignored, since Chinese has none and
 * line breaks depend on the layout; 0 is perfect, and above 1 means more noise than text.
 */
export function characterErrorRate(recognised: string, truth: string): number {
  const expected = comparable(truth);
  if (expected.length === 0) throw new Error('the truth text is empty');
  return distance(comparable(recognised), expected) / expected.length;
}
