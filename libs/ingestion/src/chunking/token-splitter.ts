import { RecursiveCharacterTextSplitter } from '@langchain/textsplitters';
import { countTokens } from '@fjord/text';

export interface Piece {
  content: string;
  /** Exactly countTokens(content). */
  tokenCount: number;
  /** The whitespace that separated this piece from the previous piece of the same text. */
  gap?: string;
}

/**
 * Coarse to fine: paragraphs, lines, sentences (Chinese full-width punctuation, then English),
 * clauses, words, and code points as the last resort for text with no break at all.
 */
const SEPARATORS = ['\n\n', '\n', '。', '！', '？', '；', '. ', '! ', '? ', '; ', '，', ', ', ' ', ''];

/**
 * LangChain's recursive splitter with two changes. A separator stays at the end of the piece it
 * closes (LangChain puts it at the start of the next, so a chunk would open with `。`), and the
 * last-resort split is by code point, not UTF-16 unit, so no chunk ends in half a surrogate pair.
 */
class SentenceEndSplitter extends RecursiveCharacterTextSplitter {
  protected override splitOnSeparator(text: string, separator: string): string[] {
    if (separator === '') return Array.from(text);
    const parts: string[] = [];
    let start = 0;
    for (let at = text.indexOf(separator); at >= 0; at = text.indexOf(separator, start)) {
      parts.push(text.slice(start, at + separator.length));
      start = at + separator.length;
    }
    if (start < text.length) parts.push(text.slice(start));
    return parts;
  }
}

/**
 * Splits text into pieces of at most `limit` tokens, without overlap: neighbouring chunks are
 * one `chunk_diffusion_count` away at search time, so overlap would only duplicate tokens.
 *
 * Token counting is the expensive part (BPE), so: a text that is plainly too long is not counted
 * as a whole; the splitter's length function is memoised (LangChain measures each piece two or
 * three times); and each output is counted once, exactly, because the splitter's sum of piece
 * counts can be off by a token where pieces join.
 */
export async function splitByTokens(text: string, limit: number): Promise<Piece[]> {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (estimateTokens(trimmed) <= limit) {
    const tokenCount = countTokens(trimmed);
    if (tokenCount <= limit) return [{ content: trimmed, tokenCount }];
  }
  const pieces = await split(trimmed, limit, limit, memoizedCounter());
  // Pieces are in order and are substrings of the text, so the gaps between them can be recovered.
  let cursor = 0;
  for (const piece of pieces) {
    const at = trimmed.indexOf(piece.content, cursor);
    if (cursor > 0 && at >= cursor) piece.gap = trimmed.slice(cursor, at);
    cursor = at >= 0 ? at + piece.content.length : cursor;
  }
  return pieces;
}

async function split(text: string, limit: number, target: number, count: (text: string) => number): Promise<Piece[]> {
  const splitter = new SentenceEndSplitter({
    chunkSize: target,
    chunkOverlap: 0,
    keepSeparator: true,
    separators: SEPARATORS,
    lengthFunction: count,
  });
  const pieces: Piece[] = [];
  for (const output of await splitter.splitText(text)) {
    // LangChain passes a piece it cannot split further through untrimmed.
    const content = output.trim();
    if (content === '') continue;
    const tokenCount = count(content);
    if (tokenCount <= limit) {
      pieces.push({ content, tokenCount });
    } else {
      // Rare: the join cost more tokens than the parts. Split this piece again, a little smaller.
      const smaller = Math.max(1, Math.min(target - 1, Math.floor((target * limit) / tokenCount)));
      pieces.push(...(await split(content, limit, smaller, count)));
    }
  }
  return pieces;
}

function memoizedCounter(): (text: string) => number {
  const counts = new Map<string, number>();
  return (text) => {
    let tokens = counts.get(text);
    if (tokens === undefined) {
      tokens = countTokens(text);
      counts.set(text, tokens);
    }
    return tokens;
  };
}

/**
 * A deliberately low guess (o200k_base averages ~0.7 tokens per CJK character and ~4.5 characters
 * per token of English), used only to skip counting a text that cannot fit; a wrong guess costs
 * time, never correctness, because every piece is counted exactly.
 */
function estimateTokens(text: string): number {
  let cjk = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 0x3040 && code <= 0x30ff) || (code >= 0x3400 && code <= 0x9fff) || (code >= 0xac00 && code <= 0xd7af)) cjk++;
  }
  return cjk * 0.5 + (text.length - cjk) / 6;
}
