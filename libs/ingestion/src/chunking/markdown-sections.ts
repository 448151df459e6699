export interface Heading {
  level: number;
  text: string;
}

/** The text under one heading, with the path of headings above it. */
export interface Section {
  /** From the outermost heading to this section's own; empty before the first heading. */
  headings: Heading[];
  /** Counts top-level sections (a new outermost heading starts the next one); 0 for the preamble. */
  topId: number;
  body: string;
}

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const LIST_ITEM = /^ {0,3}(?:[-+*]|\d+[.)])[ \t]/;

/**
 * Splits Markdown at ATX (`## x`) and single-line setext headings, ignoring `#` lines inside
 * fenced code. Heading lines are not part of any body: the path carries them as the chunk title.
 * A heading with no text under it and no sub-heading keeps its text as the body, so no words
 * of the document are dropped.
 */
export function splitMarkdownSections(markdown: string): Section[] {
  const lines = markdown.split('\n');
  const raw: { headings: Heading[]; topId: number; lines: string[] }[] = [];
  let headings: Heading[] = [];
  let topId = 0;
  let current = { headings, topId, lines: [] as string[] };
  raw.push(current);
  let fence: string | undefined;

  const startSection = (heading: Heading): void => {
    headings = [...headings.filter((h) => h.level < heading.level), heading];
    if (headings.length === 1) topId += 1;
    current = { headings, topId, lines: [] };
    raw.push(current);
  };

  for (const line of lines) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length) fence = undefined;
      current.lines.push(line);
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      current.lines.push(line);
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      startSection({ level: atx[1].length, text: cleanHeading(atx[2] ?? '') });
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line);
    if (underline && isSetextTitle(current.lines)) {
      const title = current.lines.pop() ?? '';
      startSection({ level: underline[1][0] === '=' ? 1 : 2, text: cleanHeading(title) });
      continue;
    }
    current.lines.push(line);
  }

  const sections: Section[] = [];
  raw.forEach((section, index) => {
    let body = section.lines.join('\n').trim();
    const own = section.headings.at(-1);
    if (body === '' && own) {
      const next = raw[index + 1];
      const hasSubsections = next !== undefined && next.headings.length > section.headings.length;
      if (hasSubsections || own.text === '') return;
      body = own.text;
    }
    if (body !== '') sections.push({ headings: section.headings, topId: section.topId, body });
  });
  return sections;
}

/** A setext underline only counts under a one-line paragraph (not a list item, fence or table row). */
function isSetextTitle(lines: string[]): boolean {
  const previous = lines.at(-1);
  if (previous === undefined || previous.trim() === '') return false;
  if (LIST_ITEM.test(previous) || FENCE.test(previous) || previous.trimStart().startsWith('|')) return false;
  const beforePrevious = lines.at(-2);
  return beforePrevious === undefined || beforePrevious.trim() === '';
}

/** Heading text without inline Markdown: `**Install** [CLI](x)` -> `Install CLI`. */
function cleanHeading(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*|__|`/g, '')
    .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
