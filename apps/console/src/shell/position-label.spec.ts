import { describe, expect, it } from '@jest/globals';
import { en, type MessageKey } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import { positionLabel } from './position-label';

/** The console's translate function over one catalog, without React. */
const translate =
  (catalog: Record<MessageKey, string>) =>
  (key: MessageKey, values?: Record<string, string | number>): string =>
    catalog[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values?.[name] ?? `{${name}}`));

describe('console position label', () => {
  it.each([
    [{ page: 12, page_end: 12 }, 'p. 12', '第 12 页'],
    [{ page: 12, page_end: 13 }, 'pp. 12-13', '第 12-13 页'],
    [{ sheet: 'Budget', row_start: 2, row_end: 40 }, 'sheet Budget, rows 2-40', '工作表 Budget，第 2-40 行'],
    [{ sheet: 'Budget', row_start: 7, row_end: 7 }, 'sheet Budget, row 7', '工作表 Budget，第 7 行'],
    [{ sheet: 'Budget' }, 'sheet Budget', '工作表 Budget'],
    [{ slide: 3 }, 'slide 3', '第 3 张幻灯片'],
  ])('labels %j as "%s" / "%s"', (position, english, chinese) => {
    expect(positionLabel(position, translate(en))).toBe(english);
    expect(positionLabel(position, translate(zhCN))).toBe(chinese);
  });

  it('has no label without a position', () => {
    expect(positionLabel(undefined, translate(en))).toBeUndefined();
    expect(positionLabel({}, translate(en))).toBeUndefined();
  });
});
