import { countTokens as countWhole } from 'gpt-tokenizer/encoding/o200k_base';
import { boundedSegments, MAX_RUN_CHARS } from './bounded-segments';
import { prepareTokenCounts } from './off-thread-token-counter';
import { OFF_THREAD_MIN_CHARS, rememberedTokenCount } from './token-count-memo';
import { countTokens, decodeTokens, encodeTokens } from './token-counter';

const ORDINARY = [
  'Train tickets are refunded within 30 days when you send the receipt.',
  '差旅费报销需要在出差结束后三十天内提交发票，经部门负责人审批后由财务处理。',
  'function add(a, b) {\n  return a + b; // 42\n}\n\n\t  indented    spaces',
  'Mixed 中文 and English, with numbers 1234567 and emoji 😀😀 and symbols ©®.',
];

/** Longest run of one o200k pre-token class inside a segment. */
function longestRun(segment: string): number {
  const runs = segment.match(/[\p{L}\p{M}]+|[^\s\p{L}\p{N}]+|\s+/gu) ?? [];
  return Math.max(0, ...runs.map((run) => run.length));
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function randomLetters(length: number, seed = 7): string {
  let state = seed;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += String.fromCharCode(97 + (state % 26));
  }
  return text;
}

describe('countTokens', () => {
  it.each(ORDINARY)('counts ordinary text exactly as o200k_base does: %s', (text) => {
    expect(countTokens(text)).toBe(countWhole(text));
    expect(countTokens(text.repeat(50))).toBe(countWhole(text.repeat(50)));
  });

  it('differs from the exact count by at most two tokens per cut on long unbroken runs', () => {
    for (const text of [randomLetters(3000), '中文字符测试的文本内容我们需要看看分词的效果如何'.repeat(120), '!?'.repeat(1500), ' '.repeat(3000)]) {
      const cuts = boundedSegments(text).length - 1;
      expect(cuts).toBeGreaterThan(0);
      expect(Math.abs(countTokens(text) - countWhole(text))).toBeLessThanOrEqual(2 * cuts);
    }
    // Letters and Han text, the runs people actually send, stay within about one percent.
    const han = '中文字符测试的文本内容我们需要看看分词的效果如何'.repeat(120);
    expect(Math.abs(countTokens(han) - countWhole(han))).toBeLessThanOrEqual(countWhole(han) * 0.01);
  });

  // These took 11 s and 102 s when a run was encoded as one piece; the timeout is only a backstop.
  it('counts 100,000 letters and 100,000 Han characters without a space', () => {
    expect(countTokens('a'.repeat(100_000))).toBe(12_500);
    const han = '中文字符测试的文本内容我们需要看看分词的效果如何'.repeat(4_200).slice(0, 100_000);
    expect(countTokens(han)).toBeGreaterThan(50_000);
    expect(countTokens(randomLetters(100_000))).toBeGreaterThan(40_000);
  }, 10_000);

  it('encodes in the same bounded segments, so encode and decode round-trip', () => {
    const text = `${randomLetters(1000)} and ${'中'.repeat(500)}`;
    const tokens = encodeTokens(text);
    expect(tokens).toHaveLength(countTokens(text));
    expect(decodeTokens(tokens)).toBe(text);
  });
});

describe('boundedSegments', () => {
  it('keeps ordinary text as one segment', () => {
    const text = ORDINARY.join('\n').repeat(20);
    expect(boundedSegments(text)).toEqual([text]);
  });

  it('cuts every run to at most MAX_RUN_CHARS and loses nothing', () => {
    const text = `start ${randomLetters(1000)} middle ${'，'.repeat(700)} ${' '.repeat(400)}${'字'.repeat(900)} end`;
    const segments = boundedSegments(text);
    expect(segments.join('')).toBe(text);
    for (const segment of segments) expect(longestRun(segment)).toBeLessThanOrEqual(MAX_RUN_CHARS);
  });

  it('never splits a surrogate pair', () => {
    const text = 'a𠀀'.repeat(300); // U+20000 is a letter outside the BMP: two UTF-16 units
    const segments = boundedSegments(text);
    expect(segments.length).toBeGreaterThan(1);
    for (const segment of segments) {
      expect(isLowSurrogate(segment.charCodeAt(0))).toBe(false);
      expect(isHighSurrogate(segment.charCodeAt(segment.length - 1))).toBe(false);
    }
  });
});

describe('prepareTokenCounts', () => {
  it('counts large texts in the counting thread and leaves the counts for countTokens', async () => {
    const large = randomLetters(OFF_THREAD_MIN_CHARS + 10, 11);
    const small = 'a short message';
    expect(rememberedTokenCount(large)).toBeUndefined();
    await prepareTokenCounts([large, small, large]);
    const fromThread = rememberedTokenCount(large);
    expect(fromThread).toBe(boundedSegments(large).reduce((sum, segment) => sum + countWhole(segment), 0));
    expect(countTokens(large)).toBe(fromThread);
    expect(rememberedTokenCount(small)).toBeUndefined();
  });
});
