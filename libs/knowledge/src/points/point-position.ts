import { z } from 'zod';

/**
 * (ext) Where a chunk stands in its document, so a citation can say "p. 12" or "sheet Budget, rows
 * 40-80": `{page, page_end}` for PDFs and images, `{sheet, row_start, row_end}` for spreadsheets,
 * `{slide}` for decks. Pages, slides and rows are 1-based; rows are the sheet's own row numbers
 * (as the spreadsheet program shows them, so the header is usually row 1 and data starts at 2).
 */
/** One line of a PDF's text layer: where a viewer would highlight it. */
export const positionBoxSchema = z
  .object({
    page: z.number().int().min(1).describe('page of the line, 1-based'),
    x: z.number().describe('left edge, in PDF points from the left of the page'),
    y: z.number().describe("baseline, in PDF points from the bottom of the page (the PDF's own user space)"),
    width: z.number().min(0).describe('width in PDF points'),
    height: z.number().min(0).describe('height in PDF points (the font size): the line spans y to y + height'),
  })
  .describe('(ext) the box of one line of the chunk in a PDF with a text layer');

export type PositionBox = z.infer<typeof positionBoxSchema>;

export const pointPositionSchema = z
  .object({
    page: z.number().int().min(1).optional().describe('first page of the chunk (PDFs, images), 1-based'),
    page_end: z.number().int().min(1).optional().describe('last page of the chunk; equal to page when it is on one page'),
    sheet: z.string().optional().describe('sheet name (xlsx, xls, ods)'),
    row_start: z.number().int().min(1).optional().describe('first sheet row in the chunk, as the spreadsheet program numbers it'),
    row_end: z.number().int().min(1).optional().describe('last sheet row in the chunk'),
    slide: z.number().int().min(1).optional().describe('slide number (pptx, odp, ppt), 1-based'),
    boxes: z
      .array(positionBoxSchema)
      .optional()
      .describe('(ext) PDFs with a text layer: the box of each line of the chunk, in reading order, so a viewer can highlight the passage'),
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
