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
  const chunker = new TableChunker(header, limit);
  return [...(await chunker.push(rows)), ...(await chunker.end())];
}

/**
 * chunkTable for rows that arrive in blocks (a large CSV read as a stream): `push` returns the
 * chunks the rows so far completed, `end` the rest; row indexes count from the first row pushed.
 * Pushing everything at once is chunkTable. Only the rows of the group being filled are kept.
 */
export class TableChunker {
  private readonly headerBlock: string;
  private readonly headerTokens: number;
  private readonly asRecords: boolean;
  /** The rows of the group being filled, and the index of the first of them. */
  private group: string[][] = [];
  private groupStart = 0;
  private estimate: number;
  private pushed = 0;
  private emitted = false;

  constructor(
    private readonly header: string[],
    private readonly limit: number,
  ) {
    this.headerBlock = `${tableRow(header)}\n|${' --- |'.repeat(header.length)}`;
    this.headerTokens = countTokens(this.headerBlock);
    this.asRecords = this.headerTokens > limit / 2;
    this.estimate = this.headerTokens;
  }

  async push(rows: string[][]): Promise<TablePiece[]> {
    const first = this.pushed;
    this.pushed += rows.length;
    if (this.asRecords) {
      if (rows.every((row) => recordLines(this.header, row) === '')) return [];
      return this.mark(shift(await chunkRecords(this.header, rows, this.limit), first));
    }
    const pieces: TablePiece[] = [];
    for (const [offset, row] of rows.entries()) {
      const index = first + offset;
      const lineTokens = countTokens(tableRow(row)) + 1; // + the newline before it
      if (this.headerTokens + lineTokens > this.limit) {
        pieces.push(...(await this.flush()));
        pieces.push(...shift(await splitLongRow(this.tableOf([row]), 0), index));
        continue;
      }
      if (this.estimate + lineTokens > this.limit) pieces.push(...(await this.flush()));
      if (this.group.length === 0) this.groupStart = index;
      this.group.push(row);
      this.estimate += lineTokens;
    }
    return this.mark(pieces);
  }

  async end(): Promise<TablePiece[]> {
    const pieces = await this.flush();
    if (this.emitted || pieces.length > 0) return this.mark(pieces);
    // A table without rows still says what its columns are.
    return this.mark(this.asRecords ? await splitByTokens(this.header.join('\n'), this.limit) : [{ content: this.headerBlock, tokenCount: this.headerTokens }]);
  }

  private async flush(): Promise<TablePiece[]> {
    if (this.group.length === 0) return [];
    const rows = this.group;
    this.group = [];
    this.estimate = this.headerTokens;
    return shift(await fitRows(this.tableOf(rows), rows.map((_, i) => i)), this.groupStart);
  }

  private tableOf(rows: string[][]): Table {
    return { header: this.header, rows, headerBlock: this.headerBlock, headerTokens: this.headerTokens, limit: this.limit };
  }

  private mark(pieces: TablePiece[]): TablePiece[] {
    if (pieces.length > 0) this.emitted = true;
    return pieces;
  }
}

/** Row indexes of pieces made from a slice of the rows, moved to count from the whole table's first row. */
function shift(pieces: TablePiece[], by: number): TablePiece[] {
  if (by === 0) return pieces;
  return pieces.map((piece) =>
    piece.firstRow === undefined || piece.lastRow === undefined ? piece : { ...piece, firstRow: piece.firstRow + by, lastRow: piece.lastRow + by },
  );
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
