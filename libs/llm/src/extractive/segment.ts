/**
 * Sentences worth quoting from a passage as it was written: wrapped lines are joined again, headings
 * are context rather than sentences, list items stand alone, a table's header row names the cells of
 * each data row ("Model: X2; Weight: 4 kg") instead of being a sentence itself. English and Chinese
 * sentence boundaries come from ICU's sentence segmenter (Intl.Segmenter).
 */

const ATX_HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/;
const LIST_ITEM = /^\s*(?:[-*+•·]|\d{1,3}[.)、]|[a-zA-Z][.)]|[（(]\d{1,3}[)）])\s+/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const HAN_END = /[\p{Script=Han}，。！？；：、」』）]$/u;
const HAN_START = /^[\p{Script=Han}，。！？；：、「『（]/u;
const TERMINAL = /[.!?。！？；;:：…]["'”’)）]?$/u;
/** Abbreviations ICU breaks after, although the sentence goes on. */
const ABBREVIATION_END = /\b(?:Dr|Mr|Mrs|Ms|Prof|Sr|Jr|St|No|vs|etc|Fig|Eq|approx|cf|e\.g|i\.e)\.\s*$/i;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/** Joins a wrapped line to the text before it: no space between Han characters, hyphenation undone. */
function joinWrapped(before: string, line: string): string {
  if (!before) return line;
  if (HAN_END.test(before) && HAN_START.test(line)) return before + line;
  if (/\p{Ll}-$/u.test(before) && /^\p{Ll}/u.test(line)) return before.slice(0, -1) + line;
  return `${before} ${line}`;
}

/** A one-line paragraph that reads as a title: short, and no sentence punctuation at its end. */
function looksLikeTitle(line: string): boolean {
  if (TERMINAL.test(line)) return false;
  const han = line.match(/\p{Script=Han}/gu)?.length ?? 0;
  if (han > 0) return line.length <= 16;
  return line.split(/\s+/).length <= 6;
}

function splitSentences(paragraph: string): string[] {
  const sentences: string[] = [];
  for (const { segment } of segmenter.segment(paragraph)) {
    const text = segment.trim();
    if (!text) continue;
    const last = sentences.length - 1;
    if (last >= 0 && ABBREVIATION_END.test(sentences[last])) sentences[last] = `${sentences[last]} ${text}`;
    else sentences.push(text);
  }
  return sentences;
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());
}

export function segmentSentences(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  let paragraph: string[] = [];
  let item = '';
  let header: string[] | undefined;

  const flushParagraph = () => {
    if (paragraph.length === 1 && looksLikeTitle(paragraph[0])) paragraph = [];
    const joined = paragraph.reduce(joinWrapped, '');
    if (joined) out.push(...splitSentences(joined));
    paragraph = [];
  };
  const flushItem = () => {
    if (item) out.push(...splitSentences(item));
    item = '';
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) {
      flushParagraph();
      flushItem();
      header = undefined;
      continue;
    }
    if (ATX_HEADING.test(line)) {
      flushParagraph();
      flushItem();
      continue;
    }
    if (SETEXT_UNDERLINE.test(line) && paragraph.length === 1) {
      paragraph = []; // the line above was a heading
      continue;
    }
    if (TABLE_ROW.test(line)) {
      flushParagraph();
      flushItem();
      if (TABLE_SEPARATOR.test(line)) continue;
      const row = cells(line);
      if (header === undefined && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1].trim())) {
        header = row;
        continue;
      }
      const named = row.filter(Boolean).length === 0 ? '' : row.map((cell, k) => (header?.[k] ? `${header[k]}: ${cell}` : cell)).filter((c) => c && !c.endsWith(': ')).join('; ');
      if (named) out.push(named);
      continue;
    }
    header = undefined;
    if (LIST_ITEM.test(line)) {
      flushParagraph();
      flushItem();
      item = line.replace(LIST_ITEM, '');
      continue;
    }
    if (item) item = joinWrapped(item, line);
    else paragraph.push(line);
  }
  flushParagraph();
  flushItem();
  return out;
}
