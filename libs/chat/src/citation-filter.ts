/**
 * "References you can trust": the prompt numbers the passages 1..n and the answer may only cite
 * those numbers. `[k]` markers (also lists like `[1, 3]`, `[1，3]`) naming numbers outside 1..n
 * are removed; a list keeps its valid numbers. Works on a whole answer or on streamed deltas,
 * holding back a marker split across deltas until it is complete.
 */

const MARKER = / ?\[(\s*\d{1,6}(?:\s*[,，、]\s*\d{1,6})*\s*)\]/gu;
/** What may still become a marker at the end of a delta: a space, `[`, ` [1`, `[1, 2` … */
const PARTIAL_TAIL = / ?(?:\[[\s\d,，、]*)?$/u;
/** Longest tail held back; anything longer cannot be a marker we rewrite. */
const MAX_PENDING = 48;

export function filterCitations(text: string, passageCount: number): string {
  return text.replace(MARKER, (marker: string, list: string) => {
    const numbers = list.split(/[,，、]/u).map((n) => Number(n.trim()));
    const valid = numbers.filter((n) => Number.isInteger(n) && n >= 1 && n <= passageCount);
    if (valid.length === numbers.length) return marker;
    if (valid.length === 0) return '';
    const lead = marker.startsWith(' ') ? ' ' : '';
    return `${lead}[${valid.join(', ')}]`;
  });
}

export class CitationFilter {
  private pending = '';

  constructor(private readonly passageCount: number) {}

  /** Returns the text that can be sent now (possibly empty). */
  push(delta: string): string {
    const text = this.pending + delta;
    const tail = PARTIAL_TAIL.exec(text);
    const cut = tail && text.length - tail.index <= MAX_PENDING ? tail.index : text.length;
    this.pending = text.slice(cut);
    return filterCitations(text.slice(0, cut), this.passageCount);
  }

  /** The held-back rest at the end of the answer. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return filterCitations(rest, this.passageCount);
  }
}
