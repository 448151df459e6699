import { countTokens } from '@fjord/text';
import { type Piece, splitByTokens } from './token-splitter';

/** A table chunk and the rows it holds (0-based indexes into the rows given; none for a header-only chunk). */
export interface TablePiece extends Piece {
  firstRow?: number;
  lastRow?: number;
}

/**
 * Rows are grouped into Markdown tables of at most `limit` tokens, each opening with the header
 * row. A pipe table states the column names once per chunk (`name: value` lines would repeat
 * them on every row, so a chunk holds far fewer rows), embedding and chat models read it well,
 * and it is what the user sees in search results and in the model's context.
 *
 * A row too long for one chunk is written as `column: value` lines and split, each part still
 * opening with the header row. A header that alone takes more than half a chunk would leave no
 * room for rows, so such a table is written entirely as `column: value` records instead.
 */
export async function chunkTable(header: string[], rows: string[][], limit: number): Promise<TablePiece[]> {
  const headerBlock = `${tableRow(header)}\n|${' --- |'.repeat(header.length)}`;
  const headerTokens = countTokens(headerBlock);
  if (headerTokens > limit / 2) {
    return chunkRecords(header, rows, limit);
  }

  const table = { header, rows, headerBlock, headerTokens, limit };
  const pieces: TablePiece[] = [];
  let group: number[] = [];
  let estimate = headerTokens;
  const flush = async (): Promise<void> => {
    if (group.length > 0) pieces.push(...(await fitRows(table, group)));
    group = [];
    estimate = headerTokens;
  };

  for (const [index, row] of rows.entries()) {
    const lineTokens = countTokens(tableRow(row)) + 1; // + the newline before it
    if (headerTokens + lineTokens > limit) {
      await flush();
      pieces.push(...(await splitLongRow(table, index)));
      continue;
    }
    if (estimate + lineTokens > limit) await flush();
    group.push(index);
    estimate += lineTokens;
  }
  await flush();
  if (pieces.length === 0) pieces.push({ content: headerBlock, tokenCount: headerTokens });
  return pieces;
}

interface Table {
  header: string[];
  rows: string[][];
  headerBlock: string;
  headerTokens: number;
  limit: number;
}

/**
 * The group was sized by summing per-row counts; the joined table is counted once, exactly, and
 * in the rare case the joins cost extra tokens the group is halved until each half fits.
 */
async function fitRows(table: Table, indexes: number[]): Promise<TablePiece[]> {
  const content = `${table.headerBlock}\n${indexes.map((index) => tableRow(table.rows[index])).join('\n')}`;
  const tokenCount = countTokens(content);
  if (tokenCount <= table.limit) return [{ content, tokenCount, firstRow: indexes[0], lastRow: indexes[indexes.length - 1] }];
  if (indexes.length === 1) return splitLongRow(table, indexes[0]);
  const middle = Math.ceil(indexes.length / 2);
  return [...(await fitRows(table, indexes.slice(0, middle))), ...(await fitRows(table, indexes.slice(middle)))];
}

async function splitLongRow(table: Table, index: number): Promise<TablePiece[]> {
  const record = recordLines(table.header, table.rows[index]);
  for (let budget = table.limit - table.headerTokens - 2; ; budget = Math.max(1, budget - 2)) {
    const parts = await splitByTokens(record, budget);
    const pieces = parts.map((part) => {
      const content = `${table.headerBlock}\n\n${part.content}`;
      return { content, tokenCount: countTokens(content), firstRow: index, lastRow: index };
    });
    // A join can cost a token more than the parts; then leave more room and split again.
    if (budget === 1 || pieces.every((piece) => piece.tokenCount <= table.limit)) return pieces;
  }
}

/**
 * The table as `column: value` records, split by tokens; each piece's rows are found by the record
 * it starts and ends in (records are separated by blank lines and never contain one).
 */
async function chunkRecords(header: string[], rows: string[][], limit: number): Promise<TablePiece[]> {
  const records = rows.map((row, index) => ({ index, text: recordLines(header, row) })).filter((record) => record.text !== '');
  if (records.length === 0) return splitByTokens(header.join('\n'), limit);
  const starts: number[] = [];
  let offset = 0;
  for (const record of records) {
    starts.push(offset);
    offset += record.text.length + 2;
  }
  const text = records.map((record) => record.text).join('\n\n');
  const recordAt = (at: number): number => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= at) low = middle;
      else high = middle - 1;
    }
    return records[low].index;
  };
  const pieces: TablePiece[] = [];
  let cursor = 0;
  for (const piece of await splitByTokens(text, limit)) {
    const start = Math.max(cursor, text.indexOf(piece.content, cursor));
    cursor = start + piece.content.length;
    pieces.push({ ...piece, firstRow: recordAt(start), lastRow: recordAt(Math.max(start, cursor - 1)) });
  }
  return pieces;
}

function tableRow(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')).join(' | ')} |`;
}

function recordLines(header: string[], row: string[]): string {
  return header
    .map((name, i) => [name, row[i] ?? ''] as const)
    .filter(([, value]) => value.trim() !== '')
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
}
