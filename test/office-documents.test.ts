import { findLibreOffice } from '@fjord/ingestion/parsers/legacy-office.parser';
import { buildWorkbook, buildZipBomb, officeFixture, type SheetSpec } from './support/office-fixtures';
import { call, createBot } from './bots-harness';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { BACKENDS, TestStack, startTestStack, uploadDocument, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';
const COLLECTION = 'office';

async function upload(stack: TestStack, docId: string, name: string, bytes: Buffer) {
  expect((await uploadDocument(stack, { collection_name: COLLECTION, doc_id: docId }, { name, bytes })).status).toBe(200);
}

async function pointsOf(stack: TestStack, docId: string): Promise<any[]> {
  const list = await stack.post(`${KB}/point/list`, { collection_name: COLLECTION, doc_ids: [docId], limit: 100 });
  expect(list.status).toBe(200);
  return list.body.data.point_list;
}

async function searchHit(stack: TestStack, docId: string, query: string): Promise<any> {
  const search = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: COLLECTION, query, limit: 10 });
  expect(search.status).toBe(200);
  return search.body.data.result_list.find((item: any) => item.doc_info.doc_id === docId);
}

const BUDGET: SheetSpec = {
  name: 'Budget',
  rows: [
    ['Item', 'Cost', 'Owner'],
    ['Ferry tickets to Tromsø', 1200, 'Ingrid'],
    ['Harbour fees', 340, 'Lars'],
    ['Icebreaker charter for the glacier survey', 98000, 'Astrid'],
  ],
};
const STAFF: SheetSpec = { name: 'Staff', rows: [['Name', 'Role'], ['Astrid', 'Skipper'], ['Bjørn', 'Engineer']] };

/** Office files uploaded over HTTP: their text, titles and positions through points, search, chat and the prompt. */
describe.each(BACKENDS)('office documents (%s)', (backend) => {
  let stack: TestStack;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    stack = await startTestStack(backend, { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0', MAX_DECOMPRESSED_BYTES: String(16 * 1024 * 1024) });
    expect((await stack.post(`${KB}/collection/create`, { name: COLLECTION })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it.each(['xlsx', 'xls', 'ods'] as const)('indexes every sheet of a %s with its sheet and rows', async (format) => {
    const docId = `budget-${format}`;
    await upload(stack, docId, `budget.${format}`, buildWorkbook([BUDGET, STAFF], format));
    const done = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId });
    expect(done.failed_reason).toBeUndefined();
    expect(done.process_status).toBe(0);
    expect(done.info.doc_type).toBe(format);

    const points = await pointsOf(stack, docId);
    expect(points.map((point) => [point.chunk_title, point.position])).toEqual([
      ['Budget', { sheet: 'Budget', row_start: 2, row_end: 4 }],
      ['Staff', { sheet: 'Staff', row_start: 2, row_end: 3 }],
    ]);
    expect(points[0].content).toContain('| Item | Cost | Owner |');
    expect(points[0].content).toContain('| Icebreaker charter for the glacier survey | 98000 | Astrid |');

    const info = await stack.post(`${KB}/point/info`, { collection_name: COLLECTION, point_id: points[1].point_id });
    expect(info.body.data.position).toEqual({ sheet: 'Staff', row_start: 2, row_end: 3 });

    const hit = await searchHit(stack, docId, 'icebreaker charter glacier survey');
    expect(hit.position).toEqual({ sheet: 'Budget', row_start: 2, row_end: 4 });
  });

  it('names the sheet and rows in chat references and in the prompt', async () => {
    fake.reset();
    const chat = await stack.post(`${KB}/chat/completions`, {
      model: 'Doubao-1.5-pro-32k',
      collection_name: COLLECTION,
      messages: [{ role: 'user', content: 'What does the icebreaker charter for the glacier survey cost?' }],
    });
    expect(chat.status).toBe(200);
    const reference = chat.body.data.references.find((r: any) => r.doc_id === 'budget-xlsx');
    expect(reference.position).toEqual({ sheet: 'Budget', row_start: 2, row_end: 4 });
    const prompt = JSON.stringify(fake.chatRequests()[0].messages);
    expect(prompt).toContain('(budget.xlsx, sheet Budget, rows 2-4) | Item | Cost | Owner |');
  });

  it.each([
    ['xlsx', () => buildWorkbook([BUDGET], 'xlsx').subarray(0, 300), /^XLSX could not be read: /],
    ['xls', () => Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]), /^XLS could not be read: /],
    ['ods', () => Buffer.from('PK\u0003\u0004 not a zip at all'), /^ODS could not be read: /],
  ] as const)('fails a corrupt %s with a readable reason', async (format, build, reason) => {
    const docId = `corrupt-${format}`;
    await upload(stack, docId, `corrupt.${format}`, build());
    const failed = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId });
    expect(failed.process_status).toBe(1);
    expect(failed.failed_code).toBe(2);
    expect(failed.failed_reason).toMatch(reason);
  });

  it.each(['xlsx', 'ods'] as const)('fails a zip bomb disguised as %s at the decompressed-size limit', async (format) => {
    const docId = `bomb-${format}`;
    await upload(stack, docId, `bomb.${format}`, await buildZipBomb(format, 24 * 1024 * 1024));
    const failed = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId });
    expect(failed.process_status).toBe(1);
    expect(failed.failed_code).toBe(4);
    expect(failed.failed_reason).toBe(`${format.toUpperCase()} unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb`);
  });

  it.each(['pptx', 'odp'] as const)('indexes a %s slide by slide with titles, speaker notes and slide numbers', async (format) => {
    const docId = `deck-${format}`;
    await upload(stack, docId, `harbour.${format}`, officeFixture(`deck.${format}`));
    const done = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId });
    expect(done.failed_reason).toBeUndefined();
    expect(done.process_status).toBe(0);

    const points = await pointsOf(stack, docId);
    expect(points.map((point) => [point.chunk_title, point.position])).toEqual([
      ['Harbour safety briefing', { slide: 1 }],
      ['Mooring procedure', { slide: 2 }],
      ['Slide 3', { slide: 3 }],
    ]);
    expect(points[0].content).toContain('Speaker notes:\nRemind the crew that the spring inspection of the lifeboats is in April.');

    // Found by a phrase of its speaker notes, and by Chinese text on a slide.
    expect((await searchHit(stack, docId, 'spring inspection of the lifeboats'))?.position).toEqual({ slide: 1 });
    expect((await searchHit(stack, docId, '码头系泊值班水手'))?.position).toEqual({ slide: 2 });
  });

  it('names the slide in chat references and in the prompt', async () => {
    fake.reset();
    const chat = await stack.post(`${KB}/chat/completions`, {
      model: 'Doubao-1.5-pro-32k',
      collection_name: COLLECTION,
      messages: [{ role: 'user', content: 'When is the spring inspection of the lifeboats?' }],
    });
    expect(chat.status).toBe(200);
    const reference = chat.body.data.references.find((r: any) => r.doc_id === 'deck-pptx');
    expect(reference.position).toEqual({ slide: 1 });
    expect(reference.chunk_title).toBe('Harbour safety briefing');
    expect(JSON.stringify(fake.chatRequests()[0].messages)).toContain('(harbour.pptx, slide 1) Life jackets are stored in locker seven.');
  });

  it('names the sheet and the slide in bot references', async () => {
    const bot = await createBot(stack, { name: 'Harbour bot', model: 'Doubao-1.5-pro-32k', knowledge: { collections: [{ name: COLLECTION }], limit: 8 } });
    fake.reset();
    const slideAnswer = await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, { messages: [{ role: 'user', content: 'When is the spring inspection of the lifeboats?' }] });
    expect(slideAnswer.status).toBe(200);
    const slideRef = (slideAnswer.body as any).choices[0].message.references.find((r: any) => r.doc_id === 'deck-pptx');
    expect(slideRef).toMatchObject({ chunk_title: 'Harbour safety briefing', position: { slide: 1 } });

    const sheetAnswer = await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, { messages: [{ role: 'user', content: 'What does the icebreaker charter for the glacier survey cost?' }] });
    const sheetRef = (sheetAnswer.body as any).choices[0].message.references.find((r: any) => r.doc_id === 'budget-xlsx');
    expect(sheetRef).toMatchObject({ chunk_title: 'Budget', position: { sheet: 'Budget', row_start: 2, row_end: 4 } });
  });

  it('indexes an odt by its headings', async () => {
    await upload(stack, 'report-odt', 'lighthouse.odt', officeFixture('report.odt'));
    const done = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: 'report-odt' });
    expect(done.process_status).toBe(0);
    const points = await pointsOf(stack, 'report-odt');
    expect(points.map((point) => point.chunk_title)).toEqual(['Lighthouse maintenance report', 'Lamp', 'Costs']);
    const hit = await searchHit(stack, 'report-odt', 'Fresnel lens distilled water');
    expect(hit.chunk_title).toBe('Lamp');
    expect(hit.content).toContain('## Lens\n\nThe Fresnel lens was cleaned with distilled water');
    expect(hit.position).toBeUndefined();
  });

  it('indexes a Word 97-2003 .doc', async () => {
    await upload(stack, 'report-doc', 'lighthouse.doc', officeFixture('report.doc'));
    const done = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: 'report-doc' });
    expect(done.process_status).toBe(0);
    const hit = await searchHit(stack, 'report-doc', 'rotation bearing every six months');
    expect(hit.content).toContain('Oil the rotation bearing every six months.');
  });

  // CI machines have no LibreOffice: there the readable failure is what is checked.
  const libreOffice = findLibreOffice();
  it(`${libreOffice ? 'converts a .ppt with LibreOffice and indexes its slides' : 'fails a .ppt readably, naming LibreOffice, where it is not installed'}`, async () => {
    await upload(stack, 'deck-ppt', 'harbour.ppt', officeFixture('deck.ppt'));
    const done = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: 'deck-ppt' }, 120_000);
    if (!libreOffice) {
      expect(done.process_status).toBe(1);
      expect(done.failed_code).toBe(3);
      expect(done.failed_reason).toMatch(/^PPT \(PowerPoint 97-2003\) needs LibreOffice .*apt-get install libreoffice-impress/);
      return;
    }
    expect(done.failed_reason).toBeUndefined();
    const points = await pointsOf(stack, 'deck-ppt');
    expect(points.map((point) => point.position)).toEqual([{ slide: 1 }, { slide: 2 }, { slide: 3 }]);
    expect(points[0].chunk_title).toBe('Harbour safety briefing');
    expect(points[2].content).toContain('Questions go to the harbour master on channel sixteen.');
  }, 150_000);

  it.each([
    ['pptx', async () => officeFixture('deck.pptx').subarray(0, 4000), /^PPTX could not be read: /],
    ['odp', async () => officeFixture('deck.odp').subarray(0, 4000), /^ODP could not be read: /],
    ['odt', async () => officeFixture('report.odt').subarray(0, 4000), /^ODT could not be read: /],
    ['doc', async () => officeFixture('report.doc').subarray(0, 1536), /^DOC could not be read: /],
    ['ppt', async () => Buffer.from('not a presentation'), /^PPT could not be read: not a PowerPoint 97-2003 presentation$/],
  ] as const)('fails a corrupt %s with a readable reason', async (format, build, reason) => {
    const docId = `corrupt-${format}`;
    await upload(stack, docId, `corrupt.${format}`, await build());
    const failed = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId });
    expect(failed.process_status).toBe(1);
    expect(failed.failed_code).toBe(2);
    expect(failed.failed_reason).toMatch(reason);
  });

  it.each(['pptx', 'odt'] as const)('fails a zip bomb disguised as %s at the decompressed-size limit', async (format) => {
    const docId = `bomb-${format}`;
    await upload(stack, docId, `bomb.${format}`, await buildZipBomb(format, 24 * 1024 * 1024));
    const failed = await waitForDocument(stack, { collection_name: COLLECTION, doc_id: docId });
    expect(failed.process_status).toBe(1);
    expect(failed.failed_code).toBe(4);
    expect(failed.failed_reason).toBe(`${format.toUpperCase()} unpacks to more than 16 MiB (MAX_DECOMPRESSED_BYTES); it may be a zip bomb`);
  });
});
