import { PermanentError } from '@fjord/common';
import { buildWorkbook, buildZipBomb, type SheetSpec } from '../../../../test/support/office-fixtures';
import { chunkDocument } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';

const BUDGET: SheetSpec = {
  name: 'Budget',
  rows: [
    ['Item', 'Cost', 'Owner'],
    ['Ferry tickets', 1200, 'Ingrid'],
    [null, null, null],
    ['Harbour fees', 340.5, 'Lars'],
  ],
};
// A header that starts at B3, as when a sheet opens with a title block.
const STAFF: SheetSpec = {
  name: 'Staff',
  origin: 'B3',
  rows: [
    ['Name', 'Role'],
    ['Astrid', 'Skipper'],
    ['Bjørn', 'Engineer'],
  ],
};

async function failure(bytes: Buffer, type: 'xlsx' | 'xls' | 'ods'): Promise<PermanentError> {
  const error = await parseDocument(bytes, type).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('spreadsheet parser (xlsx, xls, ods)', () => {
  it.each(['xlsx', 'xls', 'ods'] as const)('reads every sheet of a %s as a table with its header and row numbers', async (format) => {
    const doc = await parseDocument(buildWorkbook([BUDGET, STAFF], format), format);
    if (doc.kind !== 'sheets') throw new Error(`expected sheets, got ${doc.kind}`);
    expect(doc.sheets).toEqual([
      {
        name: 'Budget',
        header: ['Item', 'Cost', 'Owner'],
        rows: [
          ['Ferry tickets', '1200', 'Ingrid'],
          ['Harbour fees', '340.5', 'Lars'],
        ],
        rowNumbers: [2, 4],
      },
      {
        name: 'Staff',
        header: ['Name', 'Role'],
        rows: [
          ['Astrid', 'Skipper'],
          ['Bjørn', 'Engineer'],
        ],
        rowNumbers: [4, 5],
      },
    ]);
  });

  it('names the columns by letter when a sheet has no header row', async () => {
    const doc = await parseDocument(buildWorkbook([{ name: 'Readings', rows: [[1, 2.5], [3, 4.5]] }], 'xlsx'), 'xlsx');
    if (doc.kind !== 'sheets') throw new Error('expected sheets');
    expect(doc.sheets[0]).toMatchObject({ header: ['A', 'B'], rowNumbers: [1, 2] });
  });

  it('skips empty sheets and keeps the workbook title', async () => {
    const doc = await parseDocument(buildWorkbook([{ name: 'Empty', rows: [] }, BUDGET], 'xlsx', 'Expedition budget'), 'xlsx');
    if (doc.kind !== 'sheets') throw new Error('expected sheets');
    expect(doc.title).toBe('Expedition budget');
    expect(doc.sheets.map((sheet) => sheet.name)).toEqual(['Budget']);
  });

  it('chunks each sheet on its own, repeating the header row, with the sheet rows each chunk holds', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => [`Crate ${i + 1}`, (i + 1) * 10, i % 2 === 0 ? 'Ingrid' : 'Lars']);
    const cargo: SheetSpec = { name: 'Cargo', rows: [['Item', 'Weight', 'Owner'], ...rows] };
    const doc = await parseDocument(buildWorkbook([cargo, STAFF], 'xlsx'), 'xlsx');
    const chunks = await chunkDocument(doc, { chunkLength: 120 });
    const cargoChunks = chunks.filter((chunk) => chunk.title === 'Cargo');
    expect(cargoChunks.length).toBeGreaterThan(2);
    for (const chunk of cargoChunks) {
      expect(chunk.content.startsWith('| Item | Weight | Owner |\n| --- | --- | --- |\n')).toBe(true);
      expect(chunk.tokenCount).toBeLessThanOrEqual(120);
    }
    // Consecutive, gap-free row ranges from row 2 (the first data row) to row 61.
    const ranges = cargoChunks.map((chunk) => chunk.position);
    expect(ranges[0]).toMatchObject({ sheet: 'Cargo', row_start: 2 });
    expect(ranges[ranges.length - 1]).toMatchObject({ row_end: 61 });
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]?.row_start).toBe((ranges[i - 1]?.row_end ?? 0) + 1);
    // Each range names exactly the crates in the chunk.
    for (const chunk of cargoChunks) {
      const { row_start: first = 0, row_end: last = 0 } = chunk.position ?? {};
      expect(chunk.content).toContain(`| Crate ${first - 1} |`);
      expect(chunk.content).toContain(`| Crate ${last - 1} |`);
      expect(chunk.content).not.toContain(`| Crate ${last} |`);
    }
    expect(chunks[chunks.length - 1]).toMatchObject({ title: 'Staff', position: { sheet: 'Staff', row_start: 4, row_end: 5 } });
    expect(chunks.map((chunk) => chunk.chunkId)).toEqual(chunks.map((_, i) => i));
  });

  it('keeps the rows of a wide sheet written as records', async () => {
    const header = Array.from({ length: 40 }, (_, i) => `Measurement column ${i + 1}`);
    const rows = Array.from({ length: 6 }, (_, r) => header.map((_, c) => `r${r + 1}c${c + 1}`));
    const doc = await parseDocument(buildWorkbook([{ name: 'Wide', rows: [header, ...rows] }], 'xlsx'), 'xlsx');
    const chunks = await chunkDocument(doc, { chunkLength: 200 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      const { row_start: first = 0, row_end: last = 0 } = chunk.position ?? {};
      expect(chunk.content).toContain(`r${first - 1}c`);
      expect(chunk.content).toContain(`r${last - 1}c`);
    }
    expect(chunks[0].position?.row_start).toBe(2);
    expect(chunks[chunks.length - 1].position?.row_end).toBe(7);
  });

  it('fails a damaged xlsx readably', async () => {
    const good = buildWorkbook([BUDGET], 'xlsx');
    const error = await failure(good.subarray(0, Math.floor(good.length / 2)), 'xlsx');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^XLSX could not be read: /);
  });

  it('fails a damaged ods readably', async () => {
    const error = await failure(Buffer.from('PK\u0003\u0004 this is not really a zip archive'), 'ods');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^ODS could not be read: /);
  });

  it('fails an xls that is binary but no workbook', async () => {
    const error = await failure(Buffer.from([0x00, 0x01, 0x02, 0x03, 0xff, 0xfe, 0x00, 0x10, 0x20]), 'xls');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('XLS could not be read: not an Excel 97-2003 workbook');
  });

  it('fails a truncated xls readably', async () => {
    const good = buildWorkbook([BUDGET], 'xls');
    const error = await failure(good.subarray(0, 1024), 'xls');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^XLS could not be read: /);
  });

  it.each(['xlsx', 'ods'] as const)('refuses a zip bomb disguised as %s by its declared size', async (format) => {
    const bomb = await buildZipBomb(format, 24 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200_000);
    const error = await parseDocument(bomb, format, { maxPages: 100, maxDecompressedBytes: 16 * 1024 * 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).failedCode).toBe(FailedCode.TooLarge);
    expect((error as PermanentError).message).toBe(
      `${format.toUpperCase()} unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb`,
    );
  });

  it('refuses a workbook with more sheets than MAX_DOCUMENT_PAGES', async () => {
    const sheets = Array.from({ length: 5 }, (_, i) => ({ name: `S${i + 1}`, rows: [['a'], ['b']] }));
    const error = await parseDocument(buildWorkbook(sheets, 'xlsx'), 'xlsx', { maxPages: 3, maxDecompressedBytes: 1e8 }).catch((e: unknown) => e);
    expect((error as PermanentError).failedCode).toBe(FailedCode.TooLarge);
    expect((error as PermanentError).message).toBe('XLSX has 5 sheets; at most 3 are accepted (MAX_DOCUMENT_PAGES)');
  });
});
