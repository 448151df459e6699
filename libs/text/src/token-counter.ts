import { countTokens as countO200k, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';
import { boundedSegments } from './bounded-segments';
import { rememberedTokenCount } from './token-count-memo';

/**
 * o200k_base BPE (gpt-tokenizer), the tokenizer api.md names for counting when the upstream
 * reports no usage. The encoder loads its rank table once, on first use.
 *
 * BPE on one pre-tokenizer piece costs the square of its length, and a run of letters with no
 * space (a line of Chinese, a base64 blob) is one piece, so the text is encoded in bounded
 * segments: linear in its length, exact for ordinary text; on long unbroken runs each cut
 * can change the count by a token or two (about one percent on letters and Han text).
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  const remembered = rememberedTokenCount(text);
  if (remembered !== undefined) return remembered;
  let total = 0;
  for (const segment of boundedSegments(text)) total += countO200k(segment);
  return total;
}

export function encodeTokens(text: string): number[] {
  const tokens: number[] = [];
  for (const segment of boundedSegments(text)) {
    for (const token of encode(segment)) tokens.push(token);
  }
  return tokens;
}

export function decodeTokens(tokens: number[]): string {
  return decode(tokens);
}
