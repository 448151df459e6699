import { PermanentError } from '@fjord/common';
import { buildPdf } from '../../../../test/support/document-fixtures';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';

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
