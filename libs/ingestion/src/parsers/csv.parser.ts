import Papa from 'papaparse';
import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

/**
 * CSV (and TSV: papaparse detects the delimiter) becomes a table whose header the chunker repeats
 * in every chunk. A file without a header row gets `column_1..n` so every value still has a name.
 */
export function parseCsv(bytes: Buffer): ParsedDocument {
  const result = Papa.parse<string[]>(decodeText(bytes), { skipEmptyLines: 'greedy' });
  const records = result.data.map((record) => record.map((cell) => cell.trim()));
  if (records.length === 0) return { kind: 'table', header: [], rows: [] };

  // A loop, not Math.max(...): spreading 100k+ arguments overflows the call stack.
  let width = 0;
  for (const record of records) width = Math.max(width, record.length);
  const hasHeader = looksLikeHeader(records);
  const first = hasHeader ? records[0] : [];
  const header = Array.from({ length: width }, (_, i) => first[i] || `column_${i + 1}`);
  const rows = (hasHeader ? records.slice(1) : records).map((record) =>
    Array.from({ length: width }, (_, i) => record[i] ?? ''),
  );
  return { kind: 'table', header, rows };
}

const NUMBER = /^[-+]?[$€£¥]?\d[\d,]*(\.\d+)?%?$/;

/**
 * Like Python's csv.Sniffer: a column whose values are numbers but whose first cell is not votes
 * for a header, a first cell that is a number votes against. With no numeric columns, a first row
 * of distinct, non-empty cells is taken as a header, which is how almost every export looks.
 */
export function looksLikeHeader(records: string[][]): boolean {
  const [first, ...rest] = records;
  if (rest.length === 0) return true; // A lone row is a header with no data: keep its words.
  let votes = 0;
  for (let column = 0; column < first.length; column++) {
    const values = rest.map((row) => row[column] ?? '').filter((value) => value !== '');
    if (values.length === 0 || !values.every((value) => NUMBER.test(value))) continue;
    votes += NUMBER.test(first[column]) ? -1 : 1;
  }
  if (votes !== 0) return votes > 0;
  const cells = first.filter((cell) => cell !== '');
  return cells.length === first.length && new Set(cells).size === cells.length;
}
