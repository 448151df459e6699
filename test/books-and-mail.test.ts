import { buildDocx, buildEml, buildEpub, buildMsg, buildPdf } from './support/document-fixtures';
import { BACKENDS, TestStack, startTestStack, uploadDocument, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';
const COLLECTION = 'mailroom';

const chapter = (heading: string, text: string): string =>
  `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>${heading}</title></head>` +
  `<body><nav>Previous chapter | Next chapter</nav><h1>${heading}</h1><p>${text}</p><footer>Copyright Harbour Press</footer></body></html>`;

/** E-books, e-mails (with attachments) and RTF, uploaded over HTTP and found by a phrase inside them. */
describe.each(BACKENDS)('e-books, e-mails and RTF (%s)', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend, { MAX_DECOMPRESSED_BYTES: String(8 * 1024 * 1024) });
    expect((await stack.post(`${KB}/collection/create`, { name: COLLECTION, preprocessing: { merge_small_chunks: false } })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function ingest(docId: string, name: string, bytes: Buffer) {
    expect((await uploadDocument(stack, { collection_name: COLLECTION, doc_id: docId }, { name, bytes })).status).toBe(200);
    return waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId }, 60_000);
  }

  async function points(docId: string): Promise<{ chunk_title: string; content: string }[]> {
    const list = await stack.post(`${KB}/point/list`, { collection_name: COLLECTION, doc_ids: [docId], limit: 100 });
    expect(list.status).toBe(200);
    return list.body.data.point_list;
  }

  async function searchHit(query: string, docId: string) {
    const search = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: COLLECTION, query, limit: 10 });
    expect(search.status).toBe(200);
    return search.body.data.result_list.find((item: any) => item.doc_info.doc_id === docId);
  }

  it('ingests an EPUB chapter by chapter in reading order, titled from its table of contents', async () => {
    const epub = await buildEpub(
      'The Harbour Book',
      [
        { file: 'ch2.xhtml', tocTitle: 'Tides and currents', html: chapter('Tides and currents', 'The ebb current at the harbour mouth reaches four knots.') },
        { file: 'ch1.xhtml', tocTitle: 'Mooring', html: chapter('Mooring', 'Visiting yachts moor stern-to along the north quay.') },
      ],
      { spineOrder: [1, 0] },
    );
    const done = await ingest('book', 'harbour.epub', epub);
    expect(done.failed_reason).toBeUndefined();
    expect(done.process_status).toBe(0);
    expect(done.info.doc_type).toBe('epub');

    const list = await points('book');
    expect(list.map((p) => [p.chunk_title, p.content])).toEqual([
      ['Mooring', 'Visiting yachts moor stern-to along the north quay.'],
      ['Tides and currents', 'The ebb current at the harbour mouth reaches four knots.'],
    ]);
    const hit = await searchHit('ebb current harbour mouth knots', 'book');
    expect(hit.chunk_title).toBe('Tides and currents');
  });

  it('ingests an e-mail with its headers, body and an attached PDF and DOCX, each found by a phrase inside', async () => {
    const eml = buildEml({
      from: 'Ada Lovelace <ada@example.com>',
      to: 'Harbour office <office@example.com>',
      cc: 'pilot@example.com',
      subject: 'Pilotage audit',
      date: 'Tue, 3 Mar 2026 10:00:00 +0000',
      text: 'Dear office,\n\nplease find the pilotage audit attached.',
      attachments: [
        { fileName: 'pilotage-audit.pdf', contentType: 'application/pdf', bytes: buildPdf([['Pilot boarding ladders must be inspected every fortnight.'], ['Appendix: ladder serial numbers.']]) },
        {
          fileName: 'actions.docx',
          contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
          bytes: await buildDocx([{ style: 'Heading1', text: 'Actions' }, { text: 'Replace the frayed manropes before the winter season.' }]),
        },
      ],
    });
    const done = await ingest('audit-mail', 'audit.eml', eml);
    expect(done.failed_reason).toBeUndefined();
    expect(done.process_status).toBe(0);
    expect(done.info.doc_type).toBe('eml');

    const list = await points('audit-mail');
    expect(list.map((p) => p.chunk_title)).toEqual(['Headers', 'Pilotage audit', 'Attachment: pilotage-audit.pdf', 'Attachment: actions.docx > Actions']);
    expect(list[0].content).toBe(
      'From: "Ada Lovelace" <ada@example.com>\nTo: "Harbour office" <office@example.com>\nCc: pilot@example.com\nDate: 2026-03-03T10:00:00.000Z\n' +
        'Subject: Pilotage audit\nAttachments: pilotage-audit.pdf; actions.docx',
    );

    const inPdf = await searchHit('pilot boarding ladders inspected fortnight', 'audit-mail');
    expect(inPdf.chunk_title).toBe('Attachment: pilotage-audit.pdf');
    expect(inPdf.content).toContain('Pilot boarding ladders must be inspected every fortnight.');
    // An attachment's page is not a page of the e-mail, so its chunks carry no position.
    expect(inPdf.position).toBeUndefined();
    const inDocx = await searchHit('frayed manropes winter season', 'audit-mail');
    expect(inDocx.chunk_title).toBe('Attachment: actions.docx > Actions');
  });

  it('ingests an Outlook .msg with its attachment', async () => {
    const msg = buildMsg({
      from: 'Bob Pilot <bob@example.com>',
      to: 'Harbour office <office@example.com>',
      subject: 'Fog procedure',
      date: '2026-03-04T08:30:00Z',
      text: 'The fog procedure is attached as Markdown.',
      attachments: [{ fileName: 'fog.md', contentType: 'text/markdown', bytes: Buffer.from('# Fog\n\nSound the horn every two minutes while the visibility stays under one cable.') }],
    });
    const done = await ingest('fog-mail', 'fog.msg', msg);
    expect(done.failed_reason).toBeUndefined();
    expect(done.process_status).toBe(0);
    const list = await points('fog-mail');
    expect(list.map((p) => p.chunk_title)).toEqual(['Headers', 'Fog procedure', 'Attachment: fog.md > Fog']);
    expect(list[0].content).toContain('From: Bob Pilot <bob@example.com>\nTo: Harbour office <office@example.com>\nDate: 2026-03-04T08:30:00.000Z');
    const hit = await searchHit('sound the horn visibility cable', 'fog-mail');
    expect(hit.chunk_title).toBe('Attachment: fog.md > Fog');
  });

  it('ingests RTF text', async () => {
    const rtf = String.raw`{\rtf1\ansi\ansicpg1252{\fonttbl{\f0 Arial;}}{\info{\title Berth fees}}{\pard Berth fees are paid at the harbour office before departure.\par}{\pard\u28207?\u21475?\u36153?\u29992?\par}}`;
    const done = await ingest('fees', 'fees.rtf', Buffer.from(rtf, 'latin1'));
    expect(done.process_status).toBe(0);
    const list = await points('fees');
    expect(list.map((p) => p.content)).toEqual(['Berth fees are paid at the harbour office before departure.\n港口费用']);
  });

  it('fails a corrupt file of each format with a readable reason, and an EPUB zip bomb at MAX_DECOMPRESSED_BYTES', async () => {
    const corrupt: [string, string, Buffer, string][] = [
      ['bad-epub', 'bad.epub', Buffer.from('PK\u0003\u0004 truncated'), 'EPUB could not be read: not a valid zip archive'],
      ['bad-eml', 'bad.eml', Buffer.from('\u0000\u0001\u0002 binary noise'), 'E-mail could not be read: no From, To, Subject or Date header found'],
      ['bad-msg', 'bad.msg', Buffer.from('not an OLE compound file'), 'Outlook message could not be read: Unsupported file type!'],
      ['bad-rtf', 'bad.rtf', Buffer.from('%PDF-1.4 not rtf'), 'RTF could not be read: the file does not start with {\\rtf'],
    ];
    for (const [docId, name, bytes] of corrupt) {
      expect((await uploadDocument(stack, { collection_name: COLLECTION, doc_id: docId }, { name, bytes })).status).toBe(200);
    }
    for (const [docId, , , reason] of corrupt) {
      const failed = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId }, 60_000);
      expect(failed.process_status).toBe(1);
      expect(failed.failed_code).toBe(2);
      expect(failed.failed_reason).toMatch(new RegExp(`^${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }

    const bomb = await buildEpub('Bomb', [{ file: 'a.xhtml', tocTitle: 'A', html: chapter('A', 'text') }], { extra: { 'OEBPS/filler.bin': Buffer.alloc(16 * 1024 * 1024) } });
    expect(bomb.length).toBeLessThan(100_000);
    const failed = await ingest('bomb', 'bomb.epub', bomb);
    expect(failed.process_status).toBe(1);
    expect(failed.failed_code).toBe(4);
    expect(failed.failed_reason).toBe('EPUB unpacks to more than 8 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb');

    // The same limit holds for an EPUB attached to an e-mail: the whole e-mail fails, naming it.
    const mailWithBomb = buildEml({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'Reading',
      date: 'Tue, 3 Mar 2026 10:00:00 +0000',
      text: 'A book for the crossing.',
      attachments: [{ fileName: 'bomb.epub', contentType: 'application/epub+zip', bytes: bomb }],
    });
    const mailFailed = await ingest('bomb-mail', 'reading.eml', mailWithBomb);
    expect(mailFailed.process_status).toBe(1);
    expect(mailFailed.failed_code).toBe(4);
    expect(mailFailed.failed_reason).toBe('attachment bomb.epub: EPUB unpacks to more than 8 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb');
  });
});
