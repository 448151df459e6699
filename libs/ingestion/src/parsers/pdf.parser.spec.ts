import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';

/**
 * Builds a small but valid PDF by hand: one Helvetica text object per line, one content stream
 * per page, a correct xref table. `pages` of `null` draws a line instead of text (a "scan").
 */
function buildPdf(pages: (string[] | null)[], extra: { title?: string; encrypted?: boolean } = {}): Buffer {
  const objects: string[] = [];
  const add = (body: string): number => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add('PAGES');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const pageIds = pages.map((lines) => {
    const ops = lines
      ? lines.map((line, i) => `BT /F1 12 Tf 72 ${720 - i * 18} Td (${line.replace(/[\\()]/g, '\\$&')}) Tj ET`).join('\n')
      : '0 0 m 200 200 l S';
    const content = add(`<< /Length ${Buffer.byteLength(ops, 'latin1')} >>\nstream\n${ops}\nendstream`);
    return add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${content} 0 R >>`);
  });
  objects[1] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  const info = extra.title ? add(`<< /Title (${extra.title}) >>`) : undefined;
  // Standard security handler, revision 2, with a /U entry no empty password can produce.
  const encrypt = extra.encrypted
    ? add(`<< /Filter /Standard /V 1 /R 2 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> /P -44 >>`)
    : undefined;

  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = Buffer.byteLength(pdf, 'latin1');
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  const trailer = [`/Size ${objects.length + 1}`, '/Root 1 0 R'];
  if (info) trailer.push(`/Info ${info} 0 R`);
  if (encrypt) trailer.push(`/Encrypt ${encrypt} 0 R`, `/ID [<${'01'.repeat(16)}> <${'01'.repeat(16)}>]`);
  pdf += `trailer\n<< ${trailer.join(' ')} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}

async function failure(bytes: Buffer): Promise<PermanentError> {
  const error = await parseDocument(bytes, 'pdf').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('PDF parser', () => {
  it('extracts the text of every page, pages separated by a blank line', async () => {
    const pdf = buildPdf([['Fjord user guide', 'Install the (server) first.'], ['Page two talks about backups.']]);
    const doc = await parseDocument(pdf, 'pdf');
    expect(doc).toEqual({
      kind: 'text',
      title: undefined,
      markdown: 'Fjord user guide\nInstall the (server) first.\n\nPage two talks about backups.',
    });
  });

  it('takes the title from the document information dictionary', async () => {
    const doc = await parseDocument(buildPdf([['Body text']], { title: 'Operations Handbook' }), 'pdf');
    expect(doc.title).toBe('Operations Handbook');
  });

  it('does not detach or change the caller buffer', async () => {
    const pdf = buildPdf([['Keep me']]);
    const copy = Buffer.from(pdf);
    await parseDocument(pdf, 'pdf');
    expect(pdf.equals(copy)).toBe(true);
  });

  it('skips empty pages between pages with text', async () => {
    const doc = await parseDocument(buildPdf([['First'], null, ['Third']]), 'pdf');
    expect(doc.kind === 'text' && doc.markdown).toBe('First\n\nThird');
  });

  it('reports a PDF without a text layer as unsupported, with a readable reason', async () => {
    const error = await failure(buildPdf([null, null]));
    expect(error.failedCode).toBe(FailedCode.Unsupported);
    expect(error.message).toBe('PDF has no extractable text (scanned image?)');
  });

  it('reports a password-protected PDF', async () => {
    const error = await failure(buildPdf([['secret']], { encrypted: true }));
    expect(error.failedCode).toBe(FailedCode.Unsupported);
    expect(error.message).toBe('PDF is password-protected');
  });

  it.each([
    ['garbage after a PDF header', Buffer.from('%PDF-1.7\n this is not a pdf at all')],
    ['not a PDF', Buffer.from('hello, I am a text file')],
    ['a truncated PDF', buildPdf([['Truncated']]).subarray(0, 120)],
  ])('reports %s as corrupt', async (_name, bytes) => {
    const error = await failure(bytes);
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^PDF could not be read: \S/);
    expect(error.message).not.toMatch(/\[object|undefined/);
  });
});
