import { countTokens } from '@fjord/text';
import { type Piece, splitByTokens } from './token-splitter';

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
export async function chunkTable(header: string[], rows: string[][], limit: number): Promise<Piece[]> {
  const chunker = new TableChunker(header, limit);
  return [...(await chunker.push(rows)), ...(await chunker.end())];
}

/**
 * chunkTable for rows that arrive in blocks (a large CSV read as a stream): `push` returns the
 * chunks the block completed, `end` the rest. Pushing everything at once is chunkTable.
 */
export class TableChunker {
  private readonly table: Table;
  private readonly asRecords: boolean;
  private group: string[][] = [];
  private estimate: number;
  private emitted = false;

  constructor(header: string[], limit: number) {
    const headerBlock = `${tableRow(header)}\n|${' --- |'.repeat(header.length)}`;
    const headerTokens = countTokens(headerBlock);
    this.table = { header, headerBlock, headerTokens, limit };
    this.asRecords = headerTokens > limit / 2;
    this.estimate = headerTokens;
  }

  async push(rows: string[][]): Promise<Piece[]> {
    const { header, headerTokens, limit } = this.table;
    if (this.asRecords) {
      const records = rows.map((row) => recordLines(header, row)).filter((record) => record !== '');
      return this.mark(records.length > 0 ? await splitByTokens(records.join('\n\n'), limit) : []);
    }
    const pieces: Piece[] = [];
    for (const row of rows) {
      const lineTokens = countTokens(tableRow(row)) + 1; // + the newline before it
      if (headerTokens + lineTokens > limit) {
        pieces.push(...(await this.flush()));
        pieces.push(...(await splitLongRow(this.table, row)));
        continue;
      }
      if (this.estimate + lineTokens > limit) pieces.push(...(await this.flush()));
      this.group.push(row);
      this.estimate += lineTokens;
    }
    return this.mark(pieces);
  }

  async end(): Promise<Piece[]> {
    const pieces = this.asRecords ? [] : await this.flush();
    if (!this.emitted && pieces.length === 0) {
      // A table without rows still says what its columns are.
      const { header, headerBlock, headerTokens, limit } = this.table;
      return this.mark(this.asRecords ? await splitByTokens(header.join('\n'), limit) : [{ content: headerBlock, tokenCount: headerTokens }]);
    }
    return this.mark(pieces);
  }

  private async flush(): Promise<Piece[]> {
    const pieces = this.group.length > 0 ? await fitRows(this.table, this.group) : [];
    this.group = [];
    this.estimate = this.table.headerTokens;
    return pieces;
  }

  private mark(pieces: Piece[]): Piece[] {
    if (pieces.length > 0) this.emitted = true;
    return pieces;
  }
}

interface Table {
  header: string[];
  headerBlock: string;
  headerTokens: number;
  limit: number;
}

/**
 * The group was sized by summing per-row counts; the joined table is counted once, exactly, and
 * in the rare case the joins cost extra tokens the group is halved until each half fits.
 */
async function fitRows(table: Table, rows: string[][]): Promise<Piece[]> {
  const content = `${table.headerBlock}\n${rows.map(tableRow).join('\n')}`;
  const tokenCount = countTokens(content);
  if (tokenCount <= table.limit) return [{ content, tokenCount }];
  if (rows.length === 1) return splitLongRow(table, rows[0]);
  const middle = Math.ceil(rows.length / 2);
  return [...(await fitRows(table, rows.slice(0, middle))), ...(await fitRows(table, rows.slice(middle)))];
}

async function splitLongRow(table: Table, row: string[]): Promise<Piece[]> {
  const record = recordLines(table.header, row);
  for (let budget = table.limit - table.headerTokens - 2; ; budget = Math.max(1, budget - 2)) {
    const parts = await splitByTokens(record, budget);
    const pieces = parts.map((part) => {
      const content = `${table.headerBlock}\n\n${part.content}`;
      return { content, tokenCount: countTokens(content) };
    });
    // A join can cost a token more than the parts; then leave more room and split again.
    if (budget === 1 || pieces.every((piece) => piece.tokenCount <= table.limit)) return pieces;
  }
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
