import { OcrBox, OcrLine } from './ocr.types';

const height = (box: OcrBox) => box.y1 - box.y0;
const verticalOverlap = (a: OcrBox, b: OcrBox) => Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The line in `candidates` that shares most of `line`'s height, if any shares more than half. */
function partner(line: OcrLine, candidates: OcrLine[]): OcrLine | undefined {
  let best: OcrLine | undefined;
  let bestOverlap = 0;
  for (const candidate of candidates) {
    const overlap = verticalOverlap(line.bbox, candidate.bbox);
    if (overlap > bestOverlap) [best, bestOverlap] = [candidate, overlap];
  }
  return best && bestOverlap > 0.5 * Math.min(height(line.bbox), height(best.bbox)) ? best : undefined;
}

const CJK_END = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]$/u;
const CJK_START = /^[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u;

function joinLines(left: OcrLine, right: OcrLine): OcrLine {
  const separator = CJK_END.test(left.text) && CJK_START.test(right.text) ? '' : ' ';
  const weight = left.text.length + right.text.length;
  return {
    text: left.text + separator + right.text,
    bbox: {
      x0: Math.min(left.bbox.x0, right.bbox.x0),
      y0: Math.min(left.bbox.y0, right.bbox.y0),
      x1: Math.max(left.bbox.x1, right.bbox.x1),
      y1: Math.max(left.bbox.y1, right.bbox.y1),
    },
    confidence: weight === 0 ? 0 : (left.confidence * left.text.length + right.confidence * right.text.length) / weight,
  };
}

/**
 * Tesseract's layout analysis sometimes cuts a block of Chinese text into two "columns" where a
 * full-width comma happens to line up on several rows, and then reads the left half of every row
 * before the right half. A real column is set off by a gutter; a false one sits at the distance
 * of ordinary character spacing, with every row continuing on the same baseline. Such a pair of
 * blocks is sewn back together row by row.
 */
export function mergeFalseColumns(blocks: OcrLine[][]): OcrLine[][] {
  const result = blocks.filter((block) => block.length > 0).map((block) => [...block]);
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < result.length && !merged; i++) {
      for (let j = 0; j < result.length && !merged; j++) {
        if (i === j) continue;
        const left = result[i];
        const right = result[j];
        const lineHeight = median([...left, ...right].map((line) => height(line.bbox)));
        const pairs = right.map((line) => partner(line, left));
        if (pairs.some((pair) => !pair) || new Set(pairs).size !== pairs.length) continue;
        const continues = right.every((line, k) => {
          const gap = line.bbox.x0 - (pairs[k] as OcrLine).bbox.x1;
          return gap >= -lineHeight * 0.5 && gap <= lineHeight * 1.2;
        });
        if (!continues) continue;
        result[i] = left.map((line) => {
          const index = pairs.indexOf(line);
          return index < 0 ? line : joinLines(line, right[index]);
        });
        result.splice(j, 1);
        merged = true;
      }
    }
  }
  return result;
}
