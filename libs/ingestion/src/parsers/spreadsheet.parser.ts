import * as XLSX from '@e965/xlsx';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { looksLikeHeader } from './csv.parser';
import type { DocumentLimits } from './document-limits';
import type { ParsedDocument, ParsedSheet } from './parsed-document';
import { assertZipWithinLimit } from './zip-guard';

export type SpreadsheetType = 'xlsx' | 'xls' | 'ods';

const LABELS: Record<SpreadsheetType, string> = { xlsx: 'XLSX', xls: 'XLS', ods: 'ODS' };

/** The first bytes of an OLE compound file, the container of Excel 97-2003 workbooks. */
const COMPOUND_FILE_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

/**
 * Workbooks through SheetJS: one table per sheet, the header row found as for CSV (else columns are
 * named by their letters), empty rows and empty columns around the table dropped, each row keeping the
 * number the spreadsheet program shows for it. Cells are read as displayed (number formats
 * applied), formulas as their cached values. xlsx and ods are zips and go through the
 * decompressed-size guard first.
 */
export async function parseSpreadsheet(bytes: Buffer, limits: DocumentLimits, type: SpreadsheetType): Promise<ParsedDocument> {
  const label = LABELS[type];
  if (type === 'xls') assertLegacyWorkbook(bytes);
  else await assertZipWithinLimit(bytes, limits.maxDecompressedBytes, label);

  // Dense sheets (arrays of rows) take far less memory than one object key per cell.
  const workbook = XLSX.read(bytes, { type: 'buffer', dense: true, cellFormula: false, cellHTML: false, cellStyles: false, bookVBA: false });
  if (workbook.SheetNames.length > limits.maxPages) {
    throw new PermanentError(
      FailedCode.TooLarge,
      `${label} has ${workbook.SheetNames.length} sheets; at most ${limits.maxPages} are accepted (MAX_DOCUMENT_PAGES)`,
    );
  }
  const sheets = workbook.SheetNames.map((name) => readSheet(name, workbook.Sheets[name] as XLSX.DenseSheet)).filter(
    (sheet): sheet is ParsedSheet => sheet !== undefined,
  );
  const title = typeof workbook.Props?.Title === 'string' ? workbook.Props.Title : undefined;
  return { kind: 'sheets', title, sheets };
}

/**
 * SheetJS reads anything it is given, falling back to text: bytes that are neither a compound file
 * nor text (an XLS can really be HTML, SpreadsheetML or tab-separated text) are refused here rather
 * than indexed as garbage.
 */
function assertLegacyWorkbook(bytes: Buffer): void {
  if (bytes.subarray(0, COMPOUND_FILE_MAGIC.length).equals(COMPOUND_FILE_MAGIC)) return;
  if (!bytes.subarray(0, 8192).includes(0)) return;
  throw new PermanentError(FailedCode.Corrupt, 'XLS could not be read: not an Excel 97-2003 workbook');
}

function readSheet(name: string, sheet: XLSX.DenseSheet | undefined): ParsedSheet | undefined {
  const data = sheet?.['!data'];
  if (!sheet || !Array.isArray(data)) return undefined; // A chart sheet has no cells.
  const records: string[][] = [];
  const numbers: number[] = [];
  let first = Infinity; // The leftmost column with a value: a table may start at column B.
  let end = 0;
  data.forEach((cells, index) => {
    if (!Array.isArray(cells)) return;
    const record = Array.from(cells, (cell) => cellText(cell));
    const start = record.findIndex((text) => text !== '');
    if (start < 0) return;
    let last = record.length;
    while (record[last - 1] === '') last--;
    records.push(record);
    numbers.push(index + 1);
    first = Math.min(first, start);
    end = Math.max(end, last);
  });
  if (records.length === 0) return undefined;

  const table = records.map((record) => Array.from({ length: end - first }, (_, i) => record[first + i] ?? ''));
  const hasHeader = looksLikeHeader(table);
  const header = table[0].map((cell, i) => (hasHeader && cell) || XLSX.utils.encode_col(first + i));
  return { name, header, rows: hasHeader ? table.slice(1) : table, rowNumbers: hasHeader ? numbers.slice(1) : numbers };
}

function cellText(cell: XLSX.CellObject | undefined): string {
  if (!cell || cell.t === 'z' || cell.t === 'e') return '';
  const text = cell.w ?? (cell.v === undefined || cell.v === null ? '' : String(cell.v instanceof Date ? cell.v.toISOString().slice(0, 10) : cell.v));
  return text.trim();
}
