import { z } from 'zod';

/**
 * (ext) Where a chunk stands in its document, so a citation can say "p. 12" or "Sheet1, rows
 * 40-80": `{page, page_end}` for PDFs and images, `{sheet, row_start, row_end}` for spreadsheets,
 * `{slide}` for decks. Pages, slides and rows are 1-based; rows count data rows after the header.
 */
export const pointPositionSchema = z.object({
  page: z.number().int().min(1).optional(),
  page_end: z.number().int().min(1).optional(),
  sheet: z.string().optional(),
  row_start: z.number().int().min(1).optional(),
  row_end: z.number().int().min(1).optional(),
  slide: z.number().int().min(1).optional(),
});

export type PointPosition = z.infer<typeof pointPositionSchema>;

/** A short label for prompts and people: `p. 12`, `pp. 12-13`, `Sheet1, rows 2-40`, `slide 3`. */
export function positionLabel(position: PointPosition | undefined): string | undefined {
  if (!position) return undefined;
  if (position.page !== undefined) {
    const end = position.page_end ?? position.page;
    return end > position.page ? `pp. ${position.page}-${end}` : `p. ${position.page}`;
  }
  if (position.slide !== undefined) return `slide ${position.slide}`;
  if (position.sheet !== undefined) {
    const rows = position.row_start === undefined ? '' : position.row_end && position.row_end > position.row_start ? `, rows ${position.row_start}-${position.row_end}` : `, row ${position.row_start}`;
    return `${position.sheet}${rows}`;
  }
  return undefined;
}
