import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPdf } from './support/document-fixtures';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { BACKENDS, TestStack, startTestStack, uploadDocument, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';
const OCR_FIXTURES = join(__dirname, '../libs/ocr/fixtures');

async function upload(stack: TestStack, docId: string, name: string, bytes: Buffer) {
  expect((await uploadDocument(stack, { collection_name: 'manuals', doc_id: docId }, { name, bytes })).status).toBe(200);
}

/** Pages from the parser (text layer or OCR) through points, search, chat references and the prompt. */
describe.each(BACKENDS)('document positions and OCR (%s)', (backend) => {
  let stack: TestStack;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    stack = await startTestStack(backend, { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0' });
    expect((await stack.post(`${KB}/collection/create`, { name: 'manuals' })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it('keeps the page of every PDF chunk and shows it in point/info, search, references and the prompt', async () => {
    const pages = [
      ['Pump manual overview. Pumps move water from the lake.'],
      ['Valves must be greased every spring.'],
      ['Recalibration of the pressure sensor takes two technicians and one afternoon.'],
    ];
    await upload(stack, 'pump', 'pump.pdf', buildPdf(pages));
    expect((await waitForDocument(stack, { collection_name: 'manuals', doc_id: 'pump' })).process_status).toBe(0);

    // Each page draws its one line in 12 pt Helvetica with its baseline at (72, 720) in PDF points.
    const boxes = [1, 2, 3].map((page) => ({ page, x: 72, y: 720, width: expect.any(Number), height: 12 }));
    const info = await stack.post(`${KB}/point/info`, { collection_name: 'manuals', point_id: 'pump-0' });
    expect(info.body.data.position).toEqual({ page: 1, page_end: 3, boxes });
    expect(info.body.data.position.boxes[2].width).toBeGreaterThan(info.body.data.position.boxes[1].width);

    const search = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'manuals', query: 'recalibration pressure sensor technicians' });
    const hit = search.body.data.result_list.find((item: any) => item.doc_info.doc_id === 'pump');
    expect(hit.position).toEqual({ page: 1, page_end: 3, boxes });

    fake.reset();
    const chat = await stack.post(`${KB}/chat/completions`, {
      model: 'Doubao-1.5-pro-32k',
      collection_name: 'manuals',
      messages: [{ role: 'user', content: 'How long does recalibration of the pressure sensor take?' }],
    });
    expect(chat.status).toBe(200);
    const reference = chat.body.data.references.find((r: any) => r.doc_id === 'pump');
    expect(reference.position).toEqual({ page: 1, page_end: 3, boxes });
    const prompt = JSON.stringify(fake.chatRequests()[0].messages);
    expect(prompt).toContain('(pump.pdf, pp. 1-3) Pump manual overview.');
  });

  it('reads a scanned Chinese PDF through OCR and cites its page', async () => {
    await upload(stack, 'scan', 'scanned-chinese.pdf', readFileSync(join(OCR_FIXTURES, 'scanned-chinese.pdf')));
    const done = await waitForDocument(stack, { collection_name: 'manuals', doc_id: 'scan' }, 180_000);
    expect(done.failed_reason).toBeUndefined();
    expect(done.process_status).toBe(0);
    expect(done.info.progress).toMatchObject({ stage: 'done', stage_started_at: expect.any(String) });

    const search = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'manuals', query: '出差结束后三十天内申请报销' });
    const hit = search.body.data.result_list.find((item: any) => item.doc_info.doc_id === 'scan');
    expect(hit).toBeDefined();
    expect(hit.content).toContain('报销');
    expect(hit.position).toEqual({ page: 1, page_end: 1 });
  }, 240_000);

  it('reads a photographed English page (image upload) through OCR', async () => {
    await upload(stack, 'photo', 'skewed-photo.jpg', readFileSync(join(OCR_FIXTURES, 'skewed-photo.jpg')));
    const done = await waitForDocument(stack, { collection_name: 'manuals', doc_id: 'photo' }, 180_000);
    expect(done.process_status).toBe(0);
    const search = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'manuals', query: 'travel expenses reimbursed receipts' });
    const hit = search.body.data.result_list.find((item: any) => item.doc_info.doc_id === 'photo');
    expect(hit.content).toMatch(/reimbursed/i);
    expect(hit.position).toEqual({ page: 1, page_end: 1 });
  }, 240_000);
});
