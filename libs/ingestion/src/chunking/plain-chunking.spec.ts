import { PermanentError } from '@fjord/common';
import { buildPdf } from '../../../../test/support/document-fixtures';
import { FailedCode } from '../failed-code';
import { parseDocument } from '../parsers/document-parser';
import { chunkDocument } from './chunker';

describe('plain text keeps its text as written', () => {
  it('treats a `# comment` line in a .txt as text: it stays in the content and is no title', async () => {
    const doc = await parseDocument(Buffer.from('# comment: run this nightly\nbackup --all /srv\n'), 'txt');
    const chunks = await chunkDocument(doc);
    expect(chunks).toEqual([{ chunkId: 0, title: '', content: '# comment: run this nightly\nbackup --all /srv', tokenCount: expect.any(Number) }]);
  });

  it('finds sections in clearly sectioned text (numbered headings), keeping the heading line in the content', async () => {
    const text = '1. Scope\nThis policy covers travel.\n\n2. Booking\nBook through the portal.\n\n3. Refunds\nClaim within 30 days.\n';
    const chunks = await chunkDocument(await parseDocument(Buffer.from(text), 'txt'), { mergeSmallChunks: false });
    expect(chunks.map((chunk) => [chunk.title, chunk.content])).toEqual([
      ['1. Scope', '1. Scope\nThis policy covers travel.'],
      ['2. Booking', '2. Booking\nBook through the portal.'],
      ['3. Refunds', '3. Refunds\nClaim within 30 days.'],
    ]);
  });

  it('finds Chinese chapter headings (第一章)', async () => {
    const text = '第一章 总则\n本制度适用于全体员工。\n\n第二章 报销\n差旅费凭发票报销。\n\n第三章 附则\n本制度自发布之日起施行。';
    const chunks = await chunkDocument(await parseDocument(Buffer.from(text), 'txt'), { mergeSmallChunks: false });
    expect(chunks.map((chunk) => chunk.title)).toEqual(['第一章 总则', '第二章 报销', '第三章 附则']);
  });

  it('does not invent headings from one or two numbered lines', async () => {
    const text = 'Shopping list\n\n1. Milk\nfrom the shop\n\nThen go home.';
    const chunks = await chunkDocument(await parseDocument(Buffer.from(text), 'txt'));
    expect(chunks.map((chunk) => chunk.title)).toEqual(['']);
  });

  it('fails a binary file declared as text, readably', async () => {
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const error = await parseDocument(binary, 'txt').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).failedCode).toBe(FailedCode.Unsupported);
    expect((error as PermanentError).message).toBe('the file is binary, not text; upload it with its real doc_type');
  });
});

describe('page positions', () => {
  it('gives every PDF chunk the 1-based page range it came from', async () => {
    const words = ['pumps', 'valves', 'gauges', 'filters', 'motors', 'seals'];
    const pages = words.map((word, i) => [`Page ${i + 1} is about ${word}: ${`${word} need care `.repeat(4)}`, `${word} end here`]);
    const doc = await parseDocument(buildPdf(pages), 'pdf');
    const chunks = await chunkDocument(doc, { chunkLength: 40, mergeSmallChunks: false });
    expect(chunks.length).toBeGreaterThanOrEqual(6);
    expect([...new Set(chunks.map((chunk) => chunk.position?.page))]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const chunk of chunks) {
      const page = chunk.position?.page as number;
      expect(chunk.position?.page_end).toBeGreaterThanOrEqual(page);
      const word = words.find((w) => chunk.content.includes(w)) as string;
      expect(page).toBe(words.indexOf(word) + 1);
    }
    expect(chunks[0].position).toMatchObject({ page: 1, page_end: 1 });
    expect(chunks.at(-1)?.position).toMatchObject({ page: 6, page_end: 6 });
    // Every line box of a chunk is on one of the chunk's pages.
    for (const chunk of chunks) {
      for (const box of chunk.position?.boxes ?? []) {
        expect(box.page).toBeGreaterThanOrEqual(chunk.position?.page as number);
        expect(box.page).toBeLessThanOrEqual(chunk.position?.page_end as number);
      }
    }
  });

  it('gives a chunk that spans a page break both pages', async () => {
    const doc = await parseDocument(buildPdf([['Short first page.'], ['Short second page.']]), 'pdf');
    const chunks = await chunkDocument(doc);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].position).toMatchObject({ page: 1, page_end: 2 });
    expect(chunks[0].position?.boxes?.map((box) => box.page)).toEqual([1, 2]);
  });

  it('gives plain text without pages no position', async () => {
    const chunks = await chunkDocument(await parseDocument(Buffer.from('no pages here'), 'txt'));
    expect(chunks[0].position).toBeUndefined();
  });
});
