import { REPLY_PRIMER_TOKENS } from '@fjord/llm';
import { firstTurnWithinBudget, modelWindowTokens, planCall } from './truncation';

const turns = (...tokens: number[]) => tokens.map((t, i) => ({ turn: i + 1, tokens: t }));

describe('firstTurnWithinBudget', () => {
  it('keeps the newest whole turns that fit, dropping the oldest first', () => {
    expect(firstTurnWithinBudget(turns(10, 10, 10), 30)).toBe(1);
    expect(firstTurnWithinBudget(turns(10, 10, 10), 29)).toBe(2);
    expect(firstTurnWithinBudget(turns(10, 10, 10), 20)).toBe(2);
    expect(firstTurnWithinBudget(turns(10, 10, 10), 19)).toBe(3);
  });
  it('drops everything when not even the newest turn fits, and handles no history', () => {
    expect(firstTurnWithinBudget(turns(10, 50), 20)).toBe(3);
    expect(firstTurnWithinBudget([], 100)).toBe(0);
  });
  it('works on turn numbers that do not start at 1 (after earlier truncation)', () => {
    expect(firstTurnWithinBudget([{ turn: 7, tokens: 5 }, { turn: 9, tokens: 5 }], 5)).toBe(9);
  });
});

describe('modelWindowTokens', () => {
  it('prefers max_window_tokens, then a -32k style name, then the configured default', () => {
    expect(modelWindowTokens('Doubao-1.5-pro-32k', { type: 'rolling_tokens', rolling_tokens: true, max_window_tokens: 500 }, 8000)).toBe(500);
    expect(modelWindowTokens('Doubao-1.5-pro-32k', null, 8000)).toBe(32 * 1024);
    expect(modelWindowTokens('Doubao-pro-4k-character', null, 8000)).toBe(4 * 1024);
    expect(modelWindowTokens('gpt-4o-mini', null, 8000)).toBe(8000);
  });
});

describe('planCall', () => {
  const base = { prefixTokens: 100, newTokens: 20, window: 1000 };

  it('last_history_tokens and common_prefix keep all stored history for the call', () => {
    const plan = planCall({ ...base, strategy: { type: 'last_history_tokens', last_history_tokens: 50 }, history: turns(400, 400) });
    expect(plan).toEqual({ keepFromTurn: 1, maxTokens: undefined, windowFull: false });
    expect(planCall({ ...base, strategy: null, history: [], maxTokens: 5 })).toEqual({ keepFromTurn: 0, maxTokens: 5, windowFull: false });
  });

  it('rolling_tokens true drops the oldest turns so prompt + reply room fits the window', () => {
    const strategy = { type: 'rolling_tokens' as const, rolling_tokens: true };
    // 100 + 300*3 + 20 + primer > 1000 - 100 reserved: drop until history <= 1000-100-100-20-primer.
    const plan = planCall({ ...base, strategy, history: turns(300, 300, 300), maxTokens: 100 });
    const budget = 1000 - 100 - 100 - 20 - REPLY_PRIMER_TOKENS;
    expect(plan.keepFromTurn).toBe(firstTurnWithinBudget(turns(300, 300, 300), budget));
    expect(plan.keepFromTurn).toBe(2);
    expect(plan.windowFull).toBe(false);
    // Fits: nothing dropped.
    expect(planCall({ ...base, strategy, history: turns(100), maxTokens: 100 }).keepFromTurn).toBe(1);
  });

  it('rolling_window_tokens rolls further back than strictly needed', () => {
    const plan = planCall({ ...base, strategy: { type: 'rolling_tokens', rolling_tokens: true, rolling_window_tokens: 400 }, history: turns(300, 300, 300), maxTokens: 100 });
    expect(plan.keepFromTurn).toBe(4); // 400 - 100 - 20 - primer < 300: no history turn fits
  });

  it('rolling_tokens false never drops: it caps max_tokens to the room left, or reports the window full', () => {
    const strategy = { type: 'rolling_tokens' as const, rolling_tokens: false };
    const room = 1000 - (100 + 500 + 20 + REPLY_PRIMER_TOKENS);
    expect(planCall({ ...base, strategy, history: turns(500) })).toEqual({ keepFromTurn: 1, maxTokens: room, windowFull: false });
    expect(planCall({ ...base, strategy, history: turns(500), maxTokens: 10 }).maxTokens).toBe(10);
    expect(planCall({ ...base, strategy, history: turns(500, 400) }).windowFull).toBe(true);
  });
});
