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
