import type { Section } from './markdown-sections';

/**
 * Lines that read as section headings in plain text: numbered (`1. Scope`, `2.3 Backups`),
 * Chinese chapter and section markers (`第一章 总则`, `一、适用范围`) or `Chapter 4`/`Section B`.
 */
const HEADING_LINE =
  /^(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?[ \t]+\S.{0,70}|第[一二三四五六七八九十百零〇\d]{1,5}[章节部篇条][ \t　]*.{0,40}|[一二三四五六七八九十]{1,3}、.{1,40}|(?:chapter|section|part)[ \t]+[\dIVXLC]+\b.{0,60})$/i;
const SENTENCE_END = /[.。!！?？;；:：,，]$/;
/** Fewer headings than this and the text is not "clearly sectioned": it stays one body. */
const MIN_HEADINGS = 3;

/**
 * Sections of plain text. Only text that is clearly sectioned (at least three standalone heading
 * lines, each with a blank line or the start of the text before it) gets headings, and the heading
 * line stays in the body too, so no words are lost. Anything else is one section without a title.
 */
export function splitPlainSections(text: string): Section[] {
  const lines = text.split('\n');
  const headingAt = new Set<number>();
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (!HEADING_LINE.test(trimmed) || SENTENCE_END.test(trimmed)) return;
    const before = i === 0 || lines[i - 1].trim() === '';
    const after = i + 1 < lines.length && lines[i + 1].trim() !== '';
    if (before && after) headingAt.add(i);
  });
  if (headingAt.size < MIN_HEADINGS) return text.trim() === '' ? [] : [{ headings: [], topId: 0, body: text.trim() }];

  const sections: Section[] = [];
  let current: Section = { headings: [], topId: 0, body: '' };
  const body: string[] = [];
  const flush = (): void => {
    current.body = body.join('\n').trim();
    if (current.body !== '') sections.push(current);
    body.length = 0;
  };
  lines.forEach((line, i) => {
    if (headingAt.has(i)) {
      flush();
      current = { headings: [{ level: 1, text: line.trim() }], topId: sections.length + 1, body: '' };
    }
    body.push(line);
  });
  flush();
  return sections;
}
