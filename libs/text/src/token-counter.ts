import { countTokens as countO200k, decode, encode } from 'gpt-tokenizer/encoding/o200k_base';

/**
 * o200k_base BPE (gpt-tokenizer), the tokenizer api.md names for counting when the upstream
 * reports no usage. The encoder loads its rank table once, on first use.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countO200k(text);
}

export function encodeTokens(text: string): number[] {
  return encode(text);
}

export function decodeTokens(tokens: number[]): string {
  return decode(tokens);
}
