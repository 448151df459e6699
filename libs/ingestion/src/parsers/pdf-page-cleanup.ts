/**
 * PDF text as a person reads it: without the running headers and footers repeated on every page,
 * without page numbers, and with words hyphenated across a line break joined again.
 */
export function cleanPdfPages(pages: string[]): string[] {
  const lines = pages.map((page) => page.split('\n').map((line) => line.replace(/[ \t]+$/, '')));
  const withoutNumbers = lines.map(dropPageNumbers);
  const repeated = runningLines(withoutNumbers);
  return withoutNumbers.map((page) => dehyphenate(dropRunningLines(page, repeated).join('\n')).replace(/\n{3,}/g, '\n\n').trim());
}

/** How many lines at each end of a page may be page furniture. */
const EDGE = 2;

const PAGE_NUMBER = [
  /^(?:page|p\.|pg\.?)?\s*\d{1,5}(?:\s*(?:of|\/)\s*\d{1,5})?$/i,
  /^[-–—]\s*\d{1,5}\s*[-–—]$/,
  /^第\s*\d{1,5}\s*页(?:\s*[,，/]?\s*共\s*\d{1,5}\s*页)?$/,
  /^[ivxlcdm]{1,7}$/i,
];

function isPageNumber(line: string): boolean {
  const trimmed = line.trim();
  return trimmed !== '' && PAGE_NUMBER.some((pattern) => pattern.test(trimmed));
}

function edgeIndexes(page: string[]): number[] {
  const content = page.map((line, i) => (line.trim() === '' ? -1 : i)).filter((i) => i >= 0);
  return [...new Set([...content.slice(0, EDGE), ...content.slice(-EDGE)])];
}

function dropPageNumbers(page: string[]): string[] {
  const edges = new Set(edgeIndexes(page).filter((i) => isPageNumber(page[i])));
  return page.filter((_, i) => !edges.has(i));
}

/** A header or footer line as a key: numbers (page numbers, dates in it) do not make it distinct. */
function lineKey(line: string): string {
  return line.trim().toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ');
}

/** Edge lines found on at least half the pages with text (and on three or more). */
function runningLines(pages: string[][]): Set<string> {
  const withText = pages.filter((page) => page.some((line) => line.trim() !== ''));
  const threshold = Math.max(3, Math.ceil(withText.length / 2));
  const counts = new Map<string, number>();
  for (const page of withText) {
    for (const key of new Set(edgeIndexes(page).map((i) => lineKey(page[i])))) {
      if (key.length > 0) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return new Set([...counts].filter(([, count]) => count >= threshold).map(([key]) => key));
}

/** Peels repeated lines off the top and the bottom, stopping at the first line that is not one. */
function dropRunningLines(page: string[], repeated: Set<string>): string[] {
  if (repeated.size === 0) return page;
  const content = page.map((line, i) => (line.trim() === '' ? -1 : i)).filter((i) => i >= 0);
  const dropped = new Set<number>();
  for (const i of content.slice(0, EDGE)) {
    if (!repeated.has(lineKey(page[i]))) break;
    dropped.add(i);
  }
  for (const i of content.slice(-EDGE).reverse()) {
    if (!repeated.has(lineKey(page[i]))) break;
    dropped.add(i);
  }
  return page.filter((_, i) => !dropped.has(i));
}

/** `recali-\nbration` -> `recalibration`; a hyphen before a capital or a digit is kept (`Jean-\nPaul`, `COVID-\n19`). */
function dehyphenate(text: string): string {
  return text.replace(/(\p{Ll})-\n[ \t]*(\p{Ll})/gu, '$1$2');
}
