import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as XLSX from '@e965/xlsx';
import JSZip from 'jszip';

/** Real office files built in code, shared by the parser specs and the e2e suites. */

/** A sheet as rows of cells, the first row at `origin` (A1 unless given, e.g. `B3`). */
export interface SheetSpec {
  name: string;
  rows: (string | number | boolean | Date | null)[][];
  origin?: string;
}

/** A workbook written by SheetJS in the given format: xlsx, xls (BIFF8) or ods. */
export function buildWorkbook(sheets: SheetSpec[], format: 'xlsx' | 'xls' | 'ods', title?: string): Buffer {
  const workbook = XLSX.utils.book_new();
  for (const sheet of sheets) {
    const worksheet = XLSX.utils.aoa_to_sheet([]);
    XLSX.utils.sheet_add_aoa(worksheet, sheet.rows, { origin: sheet.origin ?? 'A1', cellDates: true });
    XLSX.utils.book_append_sheet(workbook, worksheet, sheet.name);
  }
  if (title) workbook.Props = { Title: title };
  const bookType = format === 'xls' ? 'biff8' : format;
  return XLSX.write(workbook, { type: 'buffer', bookType }) as Buffer;
}

/**
 * A zip that declares `size` bytes of XML in one entry (deflated zeros compress ~1000:1) under
 * the entry names of the given format, so it passes for that format until it is inflated.
 */
export async function buildZipBomb(format: 'xlsx' | 'ods' | 'pptx' | 'odp' | 'odt', size: number): Promise<Buffer> {
  const zip = new JSZip();
  const filler = Buffer.alloc(size, 0x20);
  if (format === 'xlsx') {
    zip.file('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
    zip.file('xl/workbook.xml', '<?xml version="1.0"?><workbook/>');
    zip.file('xl/worksheets/sheet1.xml', filler);
  } else if (format === 'pptx') {
    zip.file('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
    zip.file('ppt/presentation.xml', '<?xml version="1.0"?><p:presentation/>');
    zip.file('ppt/slides/slide1.xml', filler);
  } else {
    const mime = { ods: 'spreadsheet', odp: 'presentation', odt: 'text' }[format];
    zip.file('mimetype', `application/vnd.oasis.opendocument.${mime}`, { compression: 'STORE' });
    zip.file('content.xml', filler);
  }
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** The committed office files made by LibreOffice (see test/fixtures/office/make-fixtures.sh). */
export const OFFICE_FIXTURES = join(__dirname, '..', 'fixtures', 'office');

export function officeFixture(name: string): Buffer {
  return readFileSync(join(OFFICE_FIXTURES, name));
}

/** A fixture zip with one entry replaced (or removed, with `undefined`): damaged but still a zip. */
export async function withZipEntry(zipBytes: Buffer, name: string, content: string | undefined): Promise<Buffer> {
  const zip = await JSZip.loadAsync(zipBytes);
  if (content === undefined) zip.remove(name);
  else zip.file(name, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/**
 * The zip with the central directory's uncompressed size of `name` set to `declared`: an entry that
 * lies about its size, so the declared-size check passes and only inflating shows the truth.
 */
export function withLyingEntrySize(zipBytes: Buffer, name: string, declared: number): Buffer {
  const bytes = Buffer.from(zipBytes);
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('no end of central directory');
  let offset = bytes.readUInt32LE(end + 16);
  for (let i = 0; i < bytes.readUInt16LE(end + 10); i++) {
    const nameLength = bytes.readUInt16LE(offset + 28);
    const entryName = bytes.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (entryName === name) {
      bytes.writeUInt32LE(declared, offset + 24);
      return bytes;
    }
    offset += 46 + nameLength + bytes.readUInt16LE(offset + 30) + bytes.readUInt16LE(offset + 32);
  }
  throw new Error(`${name} is not in the zip`);
}
