import { positionLabel } from './point-position';

describe('positionLabel', () => {
  it.each([
    [{ page: 12, page_end: 12 }, 'p. 12'],
    [{ page: 12, page_end: 13 }, 'pp. 12-13'],
    [{ sheet: 'Budget', row_start: 2, row_end: 40 }, 'sheet Budget, rows 2-40'],
    [{ sheet: 'Budget', row_start: 7, row_end: 7 }, 'sheet Budget, row 7'],
    [{ sheet: 'Budget' }, 'sheet Budget'],
    [{ slide: 3 }, 'slide 3'],
    [{}, undefined],
    [undefined, undefined],
  ])('labels %j as %s', (position, label) => {
    expect(positionLabel(position)).toBe(label);
  });
});
