import { REPLY_PRIMER_TOKENS } from '@fjord/llm';
import type { TruncationStrategy } from './context.schema';

/**
 * Session truncation (api.md section 2), as pure functions over per-turn token counts. History is
 * dropped in whole turns (a turn = the messages of one chat call plus its reply), oldest first, so
 * what remains never starts with an orphaned reply. The messages given at create are never dropped.
 */

export interface TurnTokens {
  turn: number;
  tokens: number;
}

/** Reply room assumed when max_tokens is not given: min(1024, window / 4). */
export const DEFAULT_REPLY_RESERVE = 1_024;

/**
 * The first turn to keep so the kept turns (the newest ones) total at most `budget` tokens.
 * `turns` ascending by turn. Returns one past the newest turn when not even the newest fits.
 */
export function firstTurnWithinBudget(turns: readonly TurnTokens[], budget: number): number {
  let total = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    total += turns[i].tokens;
    if (total > budget) return i + 1 < turns.length ? turns[i + 1].turn : turns[i].turn + 1;
  }
  return turns.length ? turns[0].turn : 0;
}

/** The window a model holds: the strategy's max_window_tokens, else `-32k`-style name suffix, else the configured default. */
export function modelWindowTokens(model: string, strategy: TruncationStrategy | null, fallback: number): number {
  if (strategy?.type === 'rolling_tokens' && strategy.max_window_tokens) return strategy.max_window_tokens;
  const match = /(\d+)k(?![a-z])/i.exec(model);
  return match ? Number(match[1]) * 1024 : fallback;
}

export interface CallPlanInput {
  strategy: TruncationStrategy | null;
  prefixTokens: number;
  history: readonly TurnTokens[];
  newTokens: number;
  window: number;
  maxTokens?: number;
}

export interface CallPlan {
  /** History turns before this one are left out of the call (and deleted when the turn is stored). */
  keepFromTurn: number;
  /** The max_tokens to send (may be lowered so the reply fits the window when rolling is off). */
  maxTokens?: number;
  /** rolling_tokens false and the window is already full: answer finish_reason "length" without a call. */
  windowFull: boolean;
}

/** Decides, before a model call, which history goes into the prompt. */
export function planCall(input: CallPlanInput): CallPlan {
  const { strategy, prefixTokens, history, newTokens, window, maxTokens } = input;
  const keepAll = history.length ? history[0].turn : 0;
  if (strategy?.type !== 'rolling_tokens') return { keepFromTurn: keepAll, maxTokens, windowFull: false };
  const historyTokens = history.reduce((sum, t) => sum + t.tokens, 0);
  const prompt = prefixTokens + historyTokens + newTokens + REPLY_PRIMER_TOKENS;
  if (!strategy.rolling_tokens) {
    const room = window - prompt;
    if (room <= 0) return { keepFromTurn: keepAll, windowFull: true };
    return { keepFromTurn: keepAll, maxTokens: Math.min(maxTokens ?? room, room), windowFull: false };
  }
  const reserve = maxTokens ?? Math.min(DEFAULT_REPLY_RESERVE, Math.floor(window / 4));
  if (prompt + reserve <= window) return { keepFromTurn: keepAll, maxTokens, windowFull: false };
  const target = Math.min(strategy.rolling_window_tokens ?? window - reserve, window - reserve);
  const budget = Math.max(0, target - prefixTokens - newTokens - REPLY_PRIMER_TOKENS);
  return { keepFromTurn: firstTurnWithinBudget(history, budget), maxTokens, windowFull: false };
}
