import { PermanentError } from '@fjord/common';
import { buildZipBomb, officeFixture, withLyingEntrySize, withZipEntry } from '../../../../test/support/office-fixtures';
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

// deck.pptx and deck.odp are the same three slides, written by LibreOffice from deck.fodp.
describe.each([
  ['pptx', 'deck.pptx'],
  ['odp', 'deck.odp'],
] as const)('deck parser (%s)', (type, fixture) => {
  it('reads every slide in order with its title, text and speaker notes', async () => {
    const doc = await parseDocument(officeFixture(fixture), type);
    expect(doc).toEqual({
      kind: 'slides',
      title: 'Harbour operations',
      slides: [
        {
          number: 1,
          title: 'Harbour safety briefing',
          text: 'Life jackets are stored in locker seven.\nThe fog horn is tested every Monday at noon.',
          notes: 'Remind the crew that the spring inspection of the lifeboats is in April.',
        },
        { number: 2, title: 'Mooring procedure', text: 'Two bow lines and two stern lines, checked by the deckhand on watch.\n码头系泊须由值班水手检查。' },
        { number: 3, text: 'Questions go to the harbour master on channel sixteen.', notes: 'Leave five minutes for questions.' },
      ],
    });
  });

  it('chunks slide by slide, titled by the slide, with its number as the position', async () => {
    const chunks = await chunkDocument(await parseDocument(officeFixture(fixture), type));
    expect(chunks.map((chunk) => [chunk.title, chunk.position])).toEqual([
      ['Harbour safety briefing', { slide: 1 }],
      ['Mooring procedure', { slide: 2 }],
      ['Slide 3', { slide: 3 }],
    ]);
    expect(chunks[0].content).toBe(
      'Life jackets are stored in locker seven.\nThe fog horn is tested every Monday at noon.\n\nSpeaker notes:\nRemind the crew that the spring inspection of the lifeboats is in April.',
    );
  });

  it('refuses a deck with more slides than MAX_DOCUMENT_PAGES', async () => {
    const error = await failure(officeFixture(fixture), type, { maxPages: 2, maxDecompressedBytes: 1e8 });
    expect(error.failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe(`${type.toUpperCase()} has 3 slides; at most 2 are accepted (MAX_DOCUMENT_PAGES)`);
  });

  it('fails a truncated file readably', async () => {
    const bytes = officeFixture(fixture);
    const error = await failure(bytes.subarray(0, Math.floor(bytes.length / 2)), type);
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(new RegExp(`^${type.toUpperCase()} could not be read: `));
  });

  it('refuses a zip bomb by its declared size', async () => {
    const error = await failure(await buildZipBomb(type, 24 * 1024 * 1024), type, { maxPages: 100, maxDecompressedBytes: 16 * 1024 * 1024 });
    expect(error.failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe(`${type.toUpperCase()} unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb`);
  });
});

describe('deck parser failures', () => {
  it('names the broken part of a pptx whose slide is not XML', async () => {
    const broken = await withZipEntry(officeFixture('deck.pptx'), 'ppt/slides/slide2.xml', '<p:sld><unclosed');
    const error = await failure(broken, 'pptx');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^PPTX could not be read: ppt\/slides\/slide2\.xml is not well-formed XML/);
  });

  it('says a zip without ppt/presentation.xml is no PowerPoint file', async () => {
    const error = await failure(await withZipEntry(officeFixture('deck.pptx'), 'ppt/presentation.xml', undefined), 'pptx');
    expect(error.message).toBe('PPTX could not be read: not a PowerPoint presentation (ppt/presentation.xml is missing)');
  });

  it('says an odp without content.xml is missing it', async () => {
    const error = await failure(await withZipEntry(officeFixture('deck.odp'), 'content.xml', undefined), 'odp');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('ODP could not be read: content.xml is missing');
  });

  it('stops inflating an entry that is larger than its zip entry declares', async () => {
    const lying = withLyingEntrySize(officeFixture('deck.odp'), 'content.xml', 100);
    const error = await failure(lying, 'odp');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^ODP could not be read: too many bytes in the stream/);
  });
});
