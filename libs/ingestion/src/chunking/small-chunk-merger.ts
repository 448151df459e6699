import { countTokens } from '@fjord/text';
import type { DraftChunk } from './draft-chunk';
import type { Heading } from './markdown-sections';

/**
 * Adjacent chunks of one top-level section are merged while one side is small (under a quarter
 * of the limit) and the result still fits: a three-line subsection on its own embeds poorly and
 * wastes a search slot. A merged chunk is titled with the path its parts share, and each part's
 * own headings below that path are written into the content as Markdown headings so no context
 * is lost (`Install` holding `## Linux ...` and `## macOS ...`).
 *
 * Groups are formed from an upper bound (part counts plus their heading lines plus joins) and
 * each merged chunk is then counted once, exactly.
 */
export function mergeSmallChunks(chunks: DraftChunk[], limit: number): DraftChunk[] {
  const small = limit / 4;
  const groups: DraftChunk[][] = [];
  let estimate = 0;
  for (const chunk of chunks) {
    const group = groups.at(-1);
    const cost = chunk.tokenCount + headingLineTokens(chunk.headings.slice(1)) + 2;
    const joinable =
      group !== undefined &&
      group[0].topId === chunk.topId &&
      (estimate < small || chunk.tokenCount < small) &&
      estimate + cost <= limit;
    if (joinable) {
      group.push(chunk);
      estimate += cost;
    } else {
      groups.push([chunk]);
      estimate = cost;
    }
  }
  return groups.flatMap((group) => combineGroup(group, limit));
}

function combineGroup(group: DraftChunk[], limit: number): DraftChunk[] {
  if (group.length === 1) return group;
  const merged = combine(group);
  if (merged.tokenCount <= limit) return [merged];
  // The joins cost more than the bound allowed (very rare): merge again one part at a time.
  const out: DraftChunk[] = [];
  let parts = [group[0]];
  let current = group[0];
  for (const chunk of group.slice(1)) {
    const candidate = combine([...parts, chunk]);
    if (candidate.tokenCount <= limit) {
      parts.push(chunk);
      current = candidate;
    } else {
      out.push(current);
      parts = [chunk];
      current = chunk;
    }
  }
  out.push(current);
  return out;
}

function combine(parts: DraftChunk[]): DraftChunk {
  const shared = parts.reduce((path, part) => path.slice(0, commonLength(path, part.headings)), parts[0].headings);
  let content = '';
  parts.forEach((part, i) => {
    if (i === 0) {
      content = withHeadings(part.headings.slice(shared.length), part.content);
      return;
    }
    const previous = parts[i - 1];
    if (part.headings === previous.headings && part.gap !== undefined) {
      // The next piece of the same section: rejoin it exactly as the source had it.
      content += part.gap + part.content;
      return;
    }
    const known = Math.max(shared.length, commonLength(previous.headings, part.headings));
    content += `\n\n${withHeadings(part.headings.slice(known), part.content)}`;
  });
  return { headings: shared, topId: parts[0].topId, content, tokenCount: countTokens(content) };
}

function withHeadings(headings: Heading[], content: string): string {
  const lines = headingLines(headings);
  return lines === '' ? content : `${lines}\n\n${content}`;
}

function commonLength(a: Heading[], b: Heading[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function headingLines(headings: Heading[]): string {
  return headings
    .filter((heading) => heading.text !== '')
    .map((heading) => `${'#'.repeat(heading.level)} ${heading.text}`)
    .join('\n');
}

function headingLineTokens(headings: Heading[]): number {
  const lines = headingLines(headings);
  return lines === '' ? 0 : countTokens(lines) + 2;
}
