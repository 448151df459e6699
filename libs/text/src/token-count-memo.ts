/**
 * Token counts of large texts made in the counting thread, for the synchronous countTokens calls
 * of the same request that follow. Only texts of OFF_THREAD_MIN_CHARS or more are kept, and only
 * the most recent few: a miss just counts again, on the caller's thread.
 */
export const OFF_THREAD_MIN_CHARS = 16_384;
const MAX_REMEMBERED = 64;

const remembered = new Map<string, number>();

export function rememberedTokenCount(text: string): number | undefined {
  if (text.length < OFF_THREAD_MIN_CHARS) return undefined;
  return remembered.get(text);
}

export function rememberTokenCount(text: string, tokens: number): void {
  if (text.length < OFF_THREAD_MIN_CHARS) return;
  remembered.delete(text);
  remembered.set(text, tokens);
  while (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
}
