import { buildWorkbook, buildZipBomb, type SheetSpec } from './support/office-fixtures';
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
});
