import type { Translate } from '../i18n/i18n';

/** A chunk's `position` (ext) as the API returns it on points and search results. */
export interface ChunkPosition {
  page?: number;
  page_end?: number;
  sheet?: string;
  row_start?: number;
  row_end?: number;
  slide?: number;
}

/** Where a chunk stands, for people: "p. 12", "pp. 12-13", "sheet Budget, rows 2-40", "slide 3". */
export function positionLabel(position: ChunkPosition | undefined, t: Translate): string | undefined {
  if (!position) return undefined;
  if (position.page !== undefined) {
    const end = position.page_end ?? position.page;
    return end > position.page ? t('position.pages', { page: position.page, end }) : t('position.page', { page: position.page });
  }
  if (position.slide !== undefined) return t('position.slide', { slide: position.slide });
  if (position.sheet !== undefined) {
    const { sheet, row_start: start, row_end: end } = position;
    if (start === undefined) return t('position.sheet', { sheet });
    return end !== undefined && end > start ? t('position.sheetRows', { sheet, start, end }) : t('position.sheetRow', { sheet, row: start });
  }
  return undefined;
}
