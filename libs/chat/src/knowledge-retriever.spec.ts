import { countTokens } from '@fjord/text';
import { MAX_PASSAGE_TOKENS, PassageBudget } from './knowledge-retriever';

describe('PassageBudget', () => {
  it('keeps short passages without counting and always keeps the first', () => {
    const budget = new PassageBudget();
    expect(budget.fits('x'.repeat(MAX_PASSAGE_TOKENS * 3))).toBe(true);
    expect(new PassageBudget().fits('short')).toBe(true);
  });

  it('stops at the token budget, counting exactly once bytes no longer prove it fits', () => {
    // Chinese: 3 bytes per character, far fewer tokens, so the byte bound alone would refuse too early.
    const passage = '差旅费报销需要提交发票和审批单。'.repeat(150);
    const tokens = countTokens(passage);
    const budget = new PassageBudget();
    const fitting = Math.floor(MAX_PASSAGE_TOKENS / tokens);
    for (let i = 0; i < fitting; i++) expect(budget.fits(passage)).toBe(true);
    expect(budget.fits(passage)).toBe(false);
    expect(fitting * Buffer.byteLength(passage)).toBeGreaterThan(MAX_PASSAGE_TOKENS);
  });
});
