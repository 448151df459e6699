-- Where a chunk stands in its document: {page, page_end} for PDFs and images, {sheet, row_start,
-- row_end} for spreadsheets, {slide} for decks. NULL for formats without positions.
ALTER TABLE points ADD COLUMN position jsonb;
