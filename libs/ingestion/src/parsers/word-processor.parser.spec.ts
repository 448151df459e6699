import { PermanentError } from '@fjord/common';
import { buildDocx } from '../../../../test/support/document-fixtures';
import { buildZipBomb, officeFixture, withZipEntry } from '../../../../test/support/office-fixtures';
import { chunkDocument } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import type { DocType } from './doc-type';
import { parseDocument } from './document-parser';

async function failure(bytes: Buffer, type: DocType, limits?: { maxPages: number; maxDecompressedBytes: number }): Promise<PermanentError> {
  const error = await parseDocument(bytes, type, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('ODT parser', () => {
  it('turns headings, lists and tables into Markdown the chunker follows', async () => {
    const doc = await parseDocument(officeFixture('report.odt'), 'odt');
    expect(doc).toEqual({
      kind: 'text',
      title: 'Lighthouse maintenance report',
      markdown: [
        '# Lighthouse maintenance report',
        '# Lamp',
        'The lamp was replaced on the third of March after the old bulb failed during a storm.',
        '## Lens',
        'The Fresnel lens was cleaned with distilled water and a soft cloth.',
        '- Check the brass fittings for corrosion.\n- Oil the rotation bearing every six months.',
        '# Costs',
        '| Part | Price |\n| --- | --- |\n| Bulb | 450 NOK |',
        '灯塔维护由港务局负责。',
      ].join('\n\n'),
    });
    const chunks = await chunkDocument(doc, { mergeSmallChunks: false });
    expect(chunks.map((chunk) => chunk.title)).toEqual(['Lighthouse maintenance report', 'Lamp', 'Lamp > Lens', 'Costs']);
  });

  it('fails a truncated odt readably', async () => {
    const bytes = officeFixture('report.odt');
    const error = await failure(bytes.subarray(0, 2000), 'odt');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^ODT could not be read: /);
  });

  it('says which part of an odt is not XML', async () => {
    const error = await failure(await withZipEntry(officeFixture('report.odt'), 'content.xml', '<office:document-content'), 'odt');
    expect(error.message).toMatch(/^ODT could not be read: content\.xml is not well-formed XML/);
  });

  it('refuses a zip bomb disguised as odt by its declared size', async () => {
    const error = await failure(await buildZipBomb('odt', 24 * 1024 * 1024), 'odt', { maxPages: 100, maxDecompressedBytes: 16 * 1024 * 1024 });
    expect(error.failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe('ODT unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb');
  });
});

describe('DOC parser (Word 97-2003, word-extractor)', () => {
  it('reads the text of a .doc written by LibreOffice', async () => {
    const doc = await parseDocument(officeFixture('report.doc'), 'doc');
    if (doc.kind !== 'plain') throw new Error(`expected plain text, got ${doc.kind}`);
    const text = doc.pages.join('\n');
    expect(text).toContain('Lighthouse maintenance report\nLamp\nThe lamp was replaced on the third of March');
    expect(text).toContain('Oil the rotation bearing every six months.');
    expect(text).toContain('Bulb\t450 NOK');
    expect(text).toContain('灯塔维护由港务局负责。');
  });

  it('reads a Word 2007+ file saved with a .doc name as DOCX', async () => {
    const doc = await parseDocument(await buildDocx([{ style: 'Heading1', text: 'Anchors' }, { text: 'Check the chain.' }]), 'doc');
    expect(doc).toMatchObject({ kind: 'text', markdown: '# Anchors\n\nCheck the chain.' });
  });

  it('fails a file that is no Word document readably', async () => {
    const error = await failure(Buffer.from('{\\rtf1 this is RTF, not a .doc}'), 'doc');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('DOC could not be read: not a Word 97-2003 document (RTF or HTML saved as .doc: upload it with that doc_type)');
  });

  it('fails a truncated .doc readably', async () => {
    const error = await failure(officeFixture('report.doc').subarray(0, 1536), 'doc');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^DOC could not be read: /);
  });
});

describe('PPT parser (PowerPoint 97-2003 through LibreOffice)', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('names what to install when LibreOffice is missing', async () => {
    process.env.PATH = '/nonexistent';
    const error = await failure(officeFixture('deck.ppt'), 'ppt');
    expect(error.failedCode).toBe(FailedCode.Unsupported);
    expect(error.message).toBe(
      'PPT (PowerPoint 97-2003) needs LibreOffice to convert it, and it is not installed: install it (apt-get install libreoffice-impress) or upload the deck as pptx',
    );
  });

  it('fails a file that is no PowerPoint 97-2003 deck readably, without converting it', async () => {
    const error = await failure(Buffer.from('just some text'), 'ppt');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('PPT could not be read: not a PowerPoint 97-2003 presentation');
  });
});
