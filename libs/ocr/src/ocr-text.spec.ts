import { assemblePageText, characterErrorRate, cleanLine, removeSpacesBetweenCjk } from './ocr-text';

describe('OCR text', () => {
  it('removes the spaces Tesseract puts between Chinese words and keeps those between Latin words', () => {
    expect(removeSpacesBetweenCjk('差旅费 用 须 在 出 差 结束 后 。 申 请')).toBe('差旅费用须在出差结束后。申请');
    expect(removeSpacesBetweenCjk('The storage cluster keeps 3 copies')).toBe('The storage cluster keeps 3 copies');
    expect(removeSpacesBetweenCjk('联系 finance@example.com 或 王经理')).toBe('联系 finance@example.com 或王经理');
    expect(removeSpacesBetweenCjk('费用 ， 酒店')).toBe('费用，酒店');
  });

  it('cleans a line: runs of spaces collapse, ends are trimmed', () => {
    expect(cleanLine('  Travel   expenses\u00a0are \t reimbursed  ')).toBe('Travel expenses are reimbursed');
  });

  it('assembles blocks: lines by newlines, blocks by a blank line, empty ones dropped', () => {
    expect(assemblePageText([['first line', ' second '], [], ['  '], ['右 栏']])).toBe('first line\nsecond\n\n右栏');
  });

  it('measures the character error rate against the truth, ignoring whitespace and full-width forms', () => {
    expect(characterErrorRate('差旅费用须在出差结束后', '差旅费用须在出差结束后')).toBe(0);
    expect(characterErrorRate('Travel  expenses\nare', 'Travel expenses are')).toBe(0);
    expect(characterErrorRate('费用,酒店', '费用，酒店')).toBe(0);
    expect(characterErrorRate('abcd', 'abce')).toBeCloseTo(0.25);
    expect(characterErrorRate('', 'abcd')).toBe(1);
    expect(characterErrorRate('abcdabcd', 'abcd')).toBe(1);
    expect(() => characterErrorRate('x', '  ')).toThrow('empty');
  });
});
