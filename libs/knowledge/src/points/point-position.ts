import { z } from 'zod';

/**
 * (ext) Where a chunk stands in its document, so a citation can say "p. 12" or "sheet Budget, rows
 * 40-80": `{page, page_end}` for PDFs and images, `{sheet, row_start, row_end}` for spreadsheets,
 * `{slide}` for decks. Pages, slides and rows are 1-based; rows are the sheet's own row numbers
 * (as the spreadsheet program shows them, so the header is usually row 1 and data starts at 2).
 */
export const pointPositionSchema = z
  .object({
    page: z.number().int().min(1).optional().describe('first page of the chunk (PDFs, images), 1-based'),
    page_end: z.number().int().min(1).optional().describe('last page of the chunk; equal to page when it is on one page'),
    sheet: z.string().optional().describe('sheet name (xlsx, xls, ods)'),
    row_start: z.number().int().min(1).optional().describe('first sheet row in the chunk, as the spreadsheet program numbers it'),
    row_end: z.number().int().min(1).optional().describe('last sheet row in the chunk'),
    slide: z.number().int().min(1).optional().describe('slide number (pptx, odp, ppt), 1-based'),
  })
  .describe('(ext) where the chunk stands in its document: {page, page_end}, {sheet, row_start, row_end} or {slide}')
  .meta({ example: { sheet: 'Budget', row_start: 2, row_end: 40 } });

export type PointPosition = z.infer<typeof pointPositionSchema>;

/** A short label for prompts and people: `p. 12`, `pp. 12-13`, `sheet Budget, rows 2-40`, `slide 3`. */
export function positionLabel(position: PointPosition | undefined): string | undefined {
  if (!position) return undefined;
  if (position.page !== undefined) {
    const end = position.page_end ?? position.page;
    return end > position.page ? `pp. ${position.page}-${end}` : `p. ${position.page}`;
  }
  if (position.slide !== undefined) return `slide ${position.slide}`;
  if (position.sheet !== undefined) {
    const rows = position.row_start === undefined ? '' : position.row_end && position.row_end > position.row_start ? `, rows ${position.row_start}-${position.row_end}` : `, row ${position.row_start}`;
    return `sheet ${position.sheet}${rows}`;
  }
  return undefined;
}
