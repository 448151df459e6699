import { PermanentError } from '@fjord/common';
import { buildPdf } from '../../../../test/support/document-fixtures';
import { chunkDocument } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';
import { NeedsOcrError } from './pdf.parser';

async function failure(bytes: Buffer): Promise<PermanentError> {
  const error = await parseDocument(bytes, 'pdf').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('PDF parser', () => {
  it('extracts the text of every page as plain pages (a PDF line is never a Markdown heading)', async () => {
    const pdf = buildPdf([['Fjord user guide', '# Install the (server) first.'], ['Page two talks about backups.']]);
    const doc = await parseDocument(pdf, 'pdf');
    expect(doc).toMatchObject({
      kind: 'plain',
      title: undefined,
      pages: ['Fjord user guide\n# Install the (server) first.', 'Page two talks about backups.'],
      paged: true,
    });
  });

  it('keeps the box of every text-layer line in PDF points (the fixture draws 12 pt Helvetica at x 72, baselines 18 pt apart)', async () => {
    const doc = await parseDocument(buildPdf([['Fjord user guide', 'Install the server first.'], ['Page two talks about backups.']]), 'pdf');
    if (doc.kind !== 'plain') throw new Error('expected plain text');
    expect(doc.lines?.map((page) => page.map(({ text, x, y, height }) => ({ text, x, y, height })))).toEqual([
      [
        { text: 'Fjord user guide', x: 72, y: 720, height: 12 },
        { text: 'Install the server first.', x: 72, y: 702, height: 12 },
      ],
      [{ text: 'Page two talks about backups.', x: 72, y: 720, height: 12 }],
    ]);
    // Helvetica averages about half an em per character: 12 pt text is 4 to 8 pt per character wide.
    for (const line of doc.lines!.flat()) {
      expect(line.width).toBeGreaterThan(line.text.length * 4);
      expect(line.width).toBeLessThan(line.text.length * 8);
    }
  });

  it('gives each chunk the boxes of its own lines, across pages, without removed headers and page numbers', async () => {
    const bodies = [
      ['Pumps need oil every month.', 'Check the gauge first.'],
      ['Recalibration takes two techni-', 'cians and one afternoon.'],
      ['Valves are replaced yearly.', 'Order them early.'],
    ];
    const pages = bodies.map((body, i) => ['ACME Pump Manual - Confidential', ...body, `Page ${i + 1} of 3`]);
    const doc = await parseDocument(buildPdf(pages), 'pdf');
    const chunks = await chunkDocument(doc, { chunkLength: 16, mergeSmallChunks: false });
    const summary = chunks.map((chunk) => ({ content: chunk.content, boxes: chunk.position?.boxes?.map((box) => `p${box.page}@${box.y}`) }));
    expect(summary).toEqual([
      { content: 'Pumps need oil every month.\nCheck the gauge first.', boxes: ['p1@702', 'p1@684'] },
      { content: 'Recalibration takes two technicians and one afternoon.', boxes: ['p2@702', 'p2@684'] },
      { content: 'Valves are replaced yearly.\nOrder them early.', boxes: ['p3@702', 'p3@684'] },
    ]);
    const wide = await chunkDocument(doc, { chunkLength: 500 });
    expect(wide).toHaveLength(1);
    expect(wide[0].position).toMatchObject({ page: 1, page_end: 3 });
    expect(wide[0].position?.boxes?.map((box) => box.page)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(wide[0].position?.boxes?.[0]).toEqual({ page: 1, x: 72, y: 702, width: expect.any(Number), height: 12 });
  });

  it('keeps no boxes for a page read by OCR', async () => {
    const doc = await parseDocument(buildPdf([['First page text'], null]), 'pdf', undefined, { 2: 'Scanned second page' });
    const chunks = await chunkDocument(doc, { chunkLength: 500 });
    expect(chunks[0].position).toMatchObject({ page: 1, page_end: 2 });
    expect(chunks[0].position?.boxes?.map((box) => box.page)).toEqual([1]);
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

  it('drops running headers, footers and page numbers, and joins hyphenated words', async () => {
    const bodies = [
      ['Pumps need oil every month.', 'Check the gauge first.'],
      ['Recalibration takes two techni-', 'cians and one afternoon.'],
      ['Valves are replaced yearly.', 'Order them early.'],
      ['Keep the manual dry.', 'Store it indoors.'],
    ];
    const pages = bodies.map((body, i) => ['ACME Pump Manual - Confidential', ...body, `Page ${i + 1} of 4`]);
    const doc = await parseDocument(buildPdf(pages), 'pdf');
    expect(doc.kind === 'plain' && doc.pages).toEqual([
      'Pumps need oil every month.\nCheck the gauge first.',
      'Recalibration takes two technicians and one afternoon.',
      'Valves are replaced yearly.\nOrder them early.',
      'Keep the manual dry.\nStore it indoors.',
    ]);
  });

  it('keeps a line that repeats on fewer than half the pages', async () => {
    const pages = [['Intro', 'Alpha'], ['Intro', 'Beta'], ['Gamma'], ['Delta'], ['Epsilon'], ['Zeta']];
    const doc = await parseDocument(buildPdf(pages), 'pdf');
    expect(doc.kind === 'plain' && doc.pages[0]).toBe('Intro\nAlpha');
  });

  it('asks for OCR of the pages without a text layer, and merges the recognised text in page order', async () => {
    const pdf = buildPdf([['First page text'], null, ['Third page text']]);
    const needs = await parseDocument(pdf, 'pdf').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(needs).toBeInstanceOf(NeedsOcrError);
    expect((needs as NeedsOcrError).pages).toEqual([2]);
    expect((needs as NeedsOcrError).pageCount).toBe(3);
    const doc = await parseDocument(pdf, 'pdf', undefined, { 2: 'Scanned second page' });
    expect(doc.kind === 'plain' && doc.pages).toEqual(['First page text', 'Scanned second page', 'Third page text']);
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
