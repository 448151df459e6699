import JSZip from 'jszip';
import { buildDocx, buildEml, buildEpub, buildMsg, buildPdf, buildZipBombDocx } from '../../../../test/support/document-fixtures';
import { PermanentError } from '@fjord/common';
import { chunkDocument } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import type { DocType } from './doc-type';
import { parseDocument } from './document-parser';
import type { ParsedDocument } from './parsed-document';

async function failure(bytes: Buffer, docType: DocType, limits?: { maxPages: number; maxDecompressedBytes: number }): Promise<PermanentError> {
  const error = await parseDocument(bytes, docType, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

async function titlesAndContent(doc: ParsedDocument): Promise<[string, string][]> {
  return (await chunkDocument(doc, { mergeSmallChunks: false })).map((chunk) => [chunk.title, chunk.content]);
}

const chapter = (heading: string, text: string): string =>
  `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>${heading}</title></head><body><nav>Previous | Next</nav><h1>${heading}</h1><p>${text}</p></body></html>`;

describe('EPUB parser', () => {
  it('reads chapters in spine order, titled from the nav table of contents, without page furniture', async () => {
    const epub = await buildEpub(
      'The Harbour Book',
      [
        { file: 'text/ch2.xhtml', tocTitle: 'Tides', html: chapter('Tides', 'High tide comes twice a day.') },
        { file: 'text/ch1.xhtml', tocTitle: 'Mooring', html: chapter('Mooring', 'Boats tie up at the north quay.') },
        { file: 'text/notes.xhtml', html: '<html><body><p>A chapter the TOC does not list.</p></body></html>' },
      ],
      { spineOrder: [1, 0, 2] },
    );
    const doc = await parseDocument(epub, 'epub');
    expect(doc.title).toBe('The Harbour Book');
    expect(await titlesAndContent(doc)).toEqual([
      ['Mooring', 'Boats tie up at the north quay.'],
      ['Tides', 'High tide comes twice a day.'],
      ['Chapter 3', 'A chapter the TOC does not list.'],
    ]);
  });

  it('titles chapters from an EPUB 2 NCX, keeps headings inside a chapter, and finds %-encoded files', async () => {
    const epub = await buildEpub(
      '港口手册',
      [
        { file: 'Chapter%201.xhtml', tocTitle: '第一章 系泊', html: '<html><body><h1>第一章 系泊</h1><p>船只停靠在北码头。</p><h2>Ropes</h2><p>Use two ropes.</p></body></html>' },
      ],
      { ncx: true },
    );
    // The manifest says Chapter%201.xhtml; the zip entry is named with the decoded space.
    const zip = await JSZip.loadAsync(epub);
    zip.file('OEBPS/Chapter 1.xhtml', await zip.file('OEBPS/Chapter%201.xhtml')!.async('nodebuffer'));
    zip.remove('OEBPS/Chapter%201.xhtml');
    const doc = await parseDocument(await zip.generateAsync({ type: 'nodebuffer' }), 'epub');
    expect(await titlesAndContent(doc)).toEqual([
      ['第一章 系泊', '船只停靠在北码头。'],
      ['第一章 系泊 > Ropes', 'Use two ropes.'],
    ]);
  });

  it('fails a corrupt EPUB, one without a package document, and a zip bomb readably', async () => {
    const broken = await failure(Buffer.from('PK\u0003\u0004 this is not really a zip'), 'epub');
    expect(broken.failedCode).toBe(FailedCode.Corrupt);
    expect(broken.message).toMatch(/^EPUB could not be read: not a valid zip archive/);

    const zip = new JSZip();
    zip.file('mimetype', 'application/epub+zip');
    const noContainer = await failure(await zip.generateAsync({ type: 'nodebuffer' }), 'epub');
    expect(noContainer.message).toBe('EPUB could not be read: META-INF/container.xml is missing');

    const bomb = await buildEpub('Bomb', [{ file: 'a.xhtml', tocTitle: 'A', html: chapter('A', 'text') }], { extra: { 'OEBPS/filler.bin': Buffer.alloc(32 * 1024 * 1024) } });
    expect(bomb.length).toBeLessThan(100_000);
    const tooBig = await failure(bomb, 'epub', { maxPages: 100, maxDecompressedBytes: 16 * 1024 * 1024 });
    expect(tooBig.failedCode).toBe(FailedCode.TooLarge);
    expect(tooBig.message).toBe('EPUB unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb');
  });

  it('refuses a book with more chapters than MAX_DOCUMENT_PAGES', async () => {
    const chapters = Array.from({ length: 5 }, (_, i) => ({ file: `c${i}.xhtml`, tocTitle: `C${i}`, html: chapter(`C${i}`, 'text') }));
    const error = await failure(await buildEpub('Long', chapters), 'epub', { maxPages: 4, maxDecompressedBytes: 1024 * 1024 });
    expect(error.failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe('EPUB has 5 chapters; at most 4 are accepted (MAX_DOCUMENT_PAGES)');
  });
});

const PDF = buildPdf([['Quarterly pump audit: the north pump needs new seals.'], ['Second page of the audit.']]);

describe('e-mail parsers (eml, msg)', () => {
  it('reads an eml: headers as their own part, the body, and each attachment with its own parser', async () => {
    const eml = buildEml({
      from: 'Ada Lovelace <ada@example.com>',
      to: 'Bob <bob@example.com>, carol@example.com',
      cc: 'dave@example.com',
      subject: 'Pump audit results',
      date: 'Tue, 3 Mar 2026 10:00:00 +0000',
      text: 'Hi Bob,\n\nthe audit report is attached.',
      attachments: [
        { fileName: 'audit.pdf', contentType: 'application/pdf', bytes: PDF },
        { fileName: 'notes.md', contentType: 'text/markdown', bytes: Buffer.from('# Follow-up\n\nOrder seals before May.') },
        { fileName: 'logo.png', contentType: 'image/png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
        { fileName: 'broken.docx', contentType: 'application/octet-stream', bytes: Buffer.from('not a zip') },
      ],
    });
    const doc = await parseDocument(eml, 'eml');
    expect(doc.title).toBe('Pump audit results');
    expect(await titlesAndContent(doc)).toEqual([
      [
        'Headers',
        'From: "Ada Lovelace" <ada@example.com>\nTo: "Bob" <bob@example.com>, carol@example.com\nCc: dave@example.com\nDate: 2026-03-03T10:00:00.000Z\n' +
          'Subject: Pump audit results\nAttachments: audit.pdf; notes.md; logo.png (not indexed: images in e-mails are not OCR-read); ' +
          'broken.docx (not indexed: DOCX could not be read: not a valid zip archive (End of central directory record signature not found. Either not a zip file, or file is truncated.))',
      ],
      ['Pump audit results', 'Hi Bob,\n\nthe audit report is attached.'],
      ['Attachment: audit.pdf', 'Quarterly pump audit: the north pump needs new seals.\n\nSecond page of the audit.'],
      ['Attachment: notes.md > Follow-up', 'Order seals before May.'],
    ]);
  });

  it('reads an HTML body through the HTML parser and an attached DOCX and e-mail', async () => {
    const inner = buildEml({ from: 'x@example.com', to: 'y@example.com', subject: 'Original request', date: 'Mon, 2 Mar 2026 09:00:00 +0000', text: 'Please check the west valve.' });
    const eml = buildEml({
      from: 'ada@example.com',
      to: 'bob@example.com',
      subject: '转发：阀门检查',
      date: 'Tue, 3 Mar 2026 10:00:00 +0000',
      html: '<html><body><nav>Menu</nav><h2>Summary</h2><p>The valve <b>passed</b>.</p></body></html>',
      attachments: [
        { fileName: 'report.docx', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', bytes: await buildDocx([{ style: 'Heading1', text: 'Valve report' }, { text: '阀门运行正常。' }]) },
        { fileName: 'request.eml', contentType: 'message/rfc822', bytes: inner },
      ],
    });
    const chunks = await titlesAndContent(await parseDocument(eml, 'eml'));
    expect(chunks.slice(1)).toEqual([
      ['转发：阀门检查 > Summary', 'The valve **passed**.'],
      ['Attachment: report.docx > Valve report', '阀门运行正常。'],
      ['Attachment: request.eml > Headers', 'From: x@example.com\nTo: y@example.com\nDate: 2026-03-02T09:00:00.000Z\nSubject: Original request'],
      ['Attachment: request.eml > Original request', 'Please check the west valve.'],
    ]);
  });

  it('fails a whole e-mail whose attachment breaks a limit, naming the attachment', async () => {
    const eml = buildEml({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'Bomb',
      date: 'Tue, 3 Mar 2026 10:00:00 +0000',
      text: 'see attached',
      attachments: [{ fileName: 'bomb.docx', contentType: 'application/octet-stream', bytes: await buildZipBombDocx(32 * 1024 * 1024) }],
    });
    const error = await failure(eml, 'eml', { maxPages: 100, maxDecompressedBytes: 16 * 1024 * 1024 });
    expect(error.failedCode).toBe(FailedCode.TooLarge);
    expect(error.message).toBe('attachment bomb.docx: DOCX unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb');

    // Attached PDFs share the page budget: two 2-page PDFs with room for 3 pages.
    const twoPdfs = buildEml({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'Pages',
      date: 'Tue, 3 Mar 2026 10:00:00 +0000',
      text: 'two reports',
      attachments: [
        { fileName: 'one.pdf', contentType: 'application/pdf', bytes: PDF },
        { fileName: 'two.pdf', contentType: 'application/pdf', bytes: PDF },
      ],
    });
    const pages = await failure(twoPdfs, 'eml', { maxPages: 3, maxDecompressedBytes: 1024 * 1024 });
    expect(pages.message).toBe('attachment two.pdf: PDF has 2 pages; at most 1 are accepted (MAX_DOCUMENT_PAGES)');
  });

  it('fails a file that is not an e-mail readably', async () => {
    const error = await failure(Buffer.from('just some words\nwithout any header'), 'eml');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('E-mail could not be read: no From, To, Subject or Date header found');
  });

  it('reads an Outlook .msg: sender, recipients, date, body and a PDF attachment', async () => {
    const msg = buildMsg({
      from: 'Ada Lovelace <ada@example.com>',
      to: 'Bob <bob@example.com>',
      cc: 'carol@example.com',
      subject: 'Pump audit (Outlook)',
      date: '2026-03-03T10:00:00Z',
      text: 'The audit is attached.',
      attachments: [{ fileName: 'audit.pdf', contentType: 'application/pdf', bytes: PDF }],
    });
    const doc = await parseDocument(msg, 'msg');
    expect(await titlesAndContent(doc)).toEqual([
      ['Headers', 'From: Ada Lovelace <ada@example.com>\nTo: Bob <bob@example.com>\nCc: carol@example.com\nDate: 2026-03-03T10:00:00.000Z\nSubject: Pump audit (Outlook)\nAttachments: audit.pdf'],
      ['Pump audit (Outlook)', 'The audit is attached.'],
      ['Attachment: audit.pdf', 'Quarterly pump audit: the north pump needs new seals.\n\nSecond page of the audit.'],
    ]);
  });

  it('reads a .msg HTML body through the HTML parser', async () => {
    const msg = buildMsg({
      from: 'ada@example.com',
      to: 'bob@example.com',
      subject: '港口通知',
      date: '2026-03-03T10:00:00Z',
      htmlBody: '<html><body><div class="cookie-banner">Accept cookies</div><h2>泊位</h2><p>北码头周一关闭。</p></body></html>',
    });
    const chunks = await titlesAndContent(await parseDocument(msg, 'msg'));
    expect(chunks[1]).toEqual(['港口通知 > 泊位', '北码头周一关闭。']);
    // The HTML property holds bytes in the message's internet code page (PR_INTERNET_CPID), here GBK.
    const gbk = buildMsg({
      from: 'ada@example.com',
      to: 'bob@example.com',
      subject: '通知',
      date: '2026-03-03T10:00:00Z',
      htmlBody: '<p>北码头周一关闭。</p>',
      codepage: 936,
    });
    expect((await titlesAndContent(await parseDocument(gbk, 'msg')))[1]).toEqual(['通知', '北码头周一关闭。']);
  });

  it('reads a .msg body Outlook stored only as RTF: wrapped HTML is unwrapped, native RTF read as text', async () => {
    const base = { from: 'ada@example.com', to: 'bob@example.com', subject: 'Valve', date: '2026-03-03T10:00:00Z' };
    const wrappedHtml = String.raw`{\rtf1\ansi\ansicpg1252\fromhtml1 {\*\htmltag64 <html><body>}{\*\htmltag <h2>}Inspection{\*\htmltag </h2>}{\*\htmltag <p>}The valve passed.{\*\htmltag </p>}{\*\htmltag </body></html>}}`;
    const html = await titlesAndContent(await parseDocument(buildMsg({ ...base, rtfBody: wrappedHtml }), 'msg'));
    expect(html[1]).toEqual(['Valve > Inspection', 'The valve passed.']);
    const native = String.raw`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\pard The valve passed the \b second\b0  test.\par}`;
    const text = await titlesAndContent(await parseDocument(buildMsg({ ...base, rtfBody: native }), 'msg'));
    expect(text[1]).toEqual(['Valve', 'The valve passed the second test.']);
  });

  it('fails a corrupt .msg readably', async () => {
    const error = await failure(Buffer.from('this is not an OLE compound file'), 'msg');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('Outlook message could not be read: Unsupported file type!');
  });
});

describe('RTF parser', () => {
  it('reads paragraphs, code-page and Unicode text, and table cells, without metadata, pictures or field codes', async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times New Roman;}{\f1\fcharset134 SimSun;}}{\info{\title Harbour rules}{\author Ada}}
{\header Running header}
{\pard\b Mooring\b0\par}
{\pard The harbour master allocates berths caf\'e9 \u8364? each morning.\line Next line\tab after a tab.\par}
{\pard\f1 \'b1\'a8\'cf\'fa \u25253?\u38144? rules\par}
{\*\generator Writer 1.0}{\pict\pngblip 89504e470d0a}{\field{\*\fldinst HYPERLINK "http://example.com"}{\fldrslt the harbour site}}\par
\trowd\cellx1000\cellx2000 Berth\cell Fee\cell\row
\trowd\cellx1000\cellx2000 North\cell 40\cell\row
}`;
    const doc = await parseDocument(Buffer.from(rtf, 'latin1'), 'rtf');
    expect(doc).toMatchObject({
      kind: 'plain',
      paged: false,
      pages: ['Mooring\nThe harbour master allocates berths café € each morning.\nNext line\tafter a tab.\n报销 报销 rules\nthe harbour site\nBerth\tFee\nNorth\t40'],
    });
  });

  it('fails a file that is not RTF readably', async () => {
    const notRtf = await failure(Buffer.from('plain words'), 'rtf');
    expect(notRtf.failedCode).toBe(FailedCode.Corrupt);
    expect(notRtf.message).toBe('RTF could not be read: the file does not start with {\\rtf');
  });

  it('refuses RTF nested deeper than any real document before tokenizing it', async () => {
    const deep = Buffer.from(`{\\rtf1 ${'{\\*\\x '.repeat(50_000)}x${'}'.repeat(50_000)}}`);
    const error = await failure(deep, 'rtf');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toBe('RTF could not be read: groups are nested more than 1000 deep');
    // Escaped braces are text, not groups.
    const braces = await parseDocument(Buffer.from(`{\\rtf1 ${'\\{'.repeat(2_000)}}`), 'rtf');
    expect(braces.kind === 'plain' && braces.pages[0]).toBe('{'.repeat(2_000));
  });
});
