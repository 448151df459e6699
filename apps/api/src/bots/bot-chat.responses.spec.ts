import { summaryOf } from './bot-chat.responses';

describe('summaryOf', () => {
  it('collapses whitespace and keeps short chunks whole', () => {
    expect(summaryOf('# Title\n\n  some   text ')).toBe('# Title some text');
  });

  it('cuts long chunks at a word boundary, marked with an ellipsis', () => {
    const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const summary = summaryOf(long);
    expect(summary.endsWith('…')).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(201);
    expect(long.startsWith(summary.slice(0, -1))).toBe(true);
    expect(summary.slice(0, -1)).toMatch(/word\d+$/);
  });

  it('cuts text without spaces (Chinese) at the limit', () => {
    const summary = summaryOf('报销'.repeat(300));
    expect(summary).toBe(`${'报销'.repeat(100)}…`);
  });
});
