import { ApiKeyService } from '@fjord/auth';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { BACKENDS, TestStack, startTestStack, uploadDocument, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';

/** Bytes no text file has: what an image or archive sent as `txt` looks like to the parser. */
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));

describe.each(BACKENDS)('doc/status_summary and the collection default dense_weight (%s)', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend);
    for (const [name, project] of [['ops_main', 'default'], ['ops_other', 'other'], ['ops_empty', 'default']]) {
      expect((await stack.post(`${KB}/collection/create`, { name, project })).status).toBe(200);
    }
    await stack.post(`${KB}/doc/add`, { collection_name: 'ops_main', add_type: 'text', doc_id: 'good', content: 'Harbour cranes lift containers.' });
    await uploadDocument(stack, { collection_name: 'ops_main', doc_id: 'broken-pdf' }, { name: 'broken.pdf', bytes: Buffer.from('%PDF-1.4 this is not really a pdf') });
    expect((await waitForDocument(stack, { collection_name: 'ops_main', doc_id: 'good' })).process_status).toBe(0);
    expect((await waitForDocument(stack, { collection_name: 'ops_main', doc_id: 'broken-pdf' })).process_status).toBe(1);
    // Failed after the PDF, so it is the newest failure.
    await uploadDocument(stack, { collection_name: 'ops_other', project: 'other', doc_id: 'binary-as-text' }, { name: 'photo.txt', bytes: BINARY });
    expect((await waitForDocument(stack, { collection_name: 'ops_other', project: 'other', doc_id: 'binary-as-text' })).process_status).toBe(1);
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('counts documents by status across every collection, per collection, and lists the latest failures newest first', async () => {
    const res = await stack.post(`${KB}/doc/status_summary`, {});
    expect([res.status, res.body.code]).toEqual([200, 0]);
    const data = res.body.data;
    expect(data.status_count).toEqual({ queued: 0, processing: 0, done: 1, failed: 2, deleting: 0 });
    expect(data.total_num).toBe(3);
    // A collection without documents has nothing to count.
    expect(data.collection_list.map((c: any) => [c.project, c.collection_name, c.status_count.done, c.status_count.failed, c.total_num])).toEqual([
      ['default', 'ops_main', 1, 1, 2],
      ['other', 'ops_other', 0, 1, 1],
    ]);
    expect(data.recent_failures.map((f: any) => [f.collection_name, f.project, f.doc_id, f.doc_name, f.doc_type])).toEqual([
      ['ops_other', 'other', 'binary-as-text', 'photo.txt', 'txt'],
      ['ops_main', 'default', 'broken-pdf', 'broken.pdf', 'pdf'],
    ]);
    const [binary, pdf] = data.recent_failures;
    expect(binary.failed_reason).toMatch(/binary, not text/);
    expect(pdf.failed_reason).toMatch(/PDF could not be read/);
    for (const failure of data.recent_failures) {
      expect(failure.failed_code).toEqual(expect.any(Number));
      expect(failure.resource_id).toMatch(/^kb-/);
      expect(failure.attempts).toBeGreaterThanOrEqual(1);
    }
    expect(binary.update_time).toBeGreaterThanOrEqual(pdf.update_time);
  });

  it('narrows to one project, and lists at most failure_limit failures', async () => {
    const other = (await stack.post(`${KB}/doc/status_summary`, { project: 'other' })).body.data;
    expect(other.status_count).toEqual({ queued: 0, processing: 0, done: 0, failed: 1, deleting: 0 });
    expect(other.collection_list.map((c: any) => c.collection_name)).toEqual(['ops_other']);
    expect(other.recent_failures.map((f: any) => f.doc_id)).toEqual(['binary-as-text']);

    const one = (await stack.post(`${KB}/doc/status_summary`, { failure_limit: 1 })).body.data;
    expect(one.recent_failures.map((f: any) => f.doc_id)).toEqual(['binary-as-text']);
    expect(one.status_count.failed).toBe(2);
    const none = (await stack.post(`${KB}/doc/status_summary`, { failure_limit: 0 })).body.data;
    expect(none.recent_failures).toEqual([]);

    const unknown = (await stack.post(`${KB}/doc/status_summary`, { project: 'nobody' })).body.data;
    expect(unknown).toEqual({ status_count: { queued: 0, processing: 0, done: 0, failed: 0, deleting: 0 }, total_num: 0, collection_list: [], recent_failures: [] });
  });

  it('a listed failure can be retried by its resource_id and doc_id; the summary follows', async () => {
    const [binary] = (await stack.post(`${KB}/doc/status_summary`, { project: 'other' })).body.data.recent_failures;
    const retried = await stack.post(`${KB}/doc/retry`, { resource_id: binary.resource_id, doc_id: binary.doc_id });
    expect([retried.status, retried.body.code, retried.body.data.status.process_status]).toEqual([200, 0, 2]);
    const failedAgain = await waitForDocument(stack, { resource_id: binary.resource_id, doc_id: binary.doc_id });
    expect(failedAgain.process_status).toBe(1);
    const after = (await stack.post(`${KB}/doc/status_summary`, { project: 'other' })).body.data.recent_failures;
    expect(after[0].doc_id).toBe('binary-as-text');
    expect(after[0].update_time).toBeGreaterThan(binary.update_time);
  }, 60_000);

  it('refuses bad requests in the Viking envelope', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ failure_limit: 101 }, /failure_limit/],
      [{ failure_limit: -1 }, /failure_limit/],
      [{ failure_limit: 2.5 }, /failure_limit/],
      [{ project: '' }, /project/],
      [{ project: 7 }, /project/],
      ['{"failure_limit":', /JSON|body/i],
    ];
    for (const [body, message] of cases) {
      const res = await stack.post(`${KB}/doc/status_summary`, body);
      expect([res.status, res.body.code, res.body.data]).toEqual([400, 1000003, null]);
      expect(res.body.message).toMatch(message);
      expect(res.body.request_id).toEqual(expect.any(String));
    }
  });

  it('answers only keys that may read the knowledge base: no key is 401, a bot-scoped key is 403', async () => {
    const anonymous = await stack.post(`${KB}/doc/status_summary`, {}, null);
    expect([anonymous.status, anonymous.body.code, anonymous.body.data]).toEqual([401, 1000001, null]);
    const botKey = await stack.app.get(ApiKeyService).mintBotKey(['bot-20261130120000-0123456789abcdef'], new Date(Date.now() + 3_600_000));
    const scoped = await stack.post(`${KB}/doc/status_summary`, {}, botKey);
    expect([scoped.status, scoped.body.code, scoped.body.data]).toEqual([403, 1000002, null]);
    expect(scoped.body.message).toMatch(/only chat with the bots/);
  });

  it('collection/info and collection/list give the dense_weight a search uses when it gives none', async () => {
    const info = (await stack.post(`${KB}/collection/info`, { name: 'ops_main' })).body.data;
    expect(info.default_dense_weight).toBe(0.3); // the local hashing embedder
    const listed = (await stack.post(`${KB}/collection/list`, { project: 'default' })).body.data.collection_list;
    expect(listed.find((c: any) => c.collection_name === 'ops_main').default_dense_weight).toBe(0.3);
    // A search that names no weight fuses exactly as one that names the advertised default, and not as another weight.
    const search = async (extra: Record<string, unknown>) =>
      (await stack.post(`${KB}/collection/search_knowledge`, { name: 'ops_main', query: 'harbour cranes', debug: true, ...extra })).body.data.result_list[0];
    const implicit = await search({});
    expect((await search({ dense_weight: info.default_dense_weight })).score).toBe(implicit.score);
    expect((await search({ dense_weight: 0.9 })).score).not.toBe(implicit.score);
  });

  if (backend === 'embedded') {
    it('a collection embedded by a learned model defaults to 0.5', async () => {
      const embeddings = await FakeOpenAiServer.start({ embeddingDimension: 16 });
      const learned = await startTestStack(backend, { EMBEDDING_BASE_URL: embeddings.baseUrl, EMBEDDING_MODEL: 'fake-embedding' });
      try {
        await learned.post(`${KB}/collection/create`, { name: 'learned' });
        const info = (await learned.post(`${KB}/collection/info`, { name: 'learned' })).body.data;
        expect(info.pipeline_list[0].index_list[0].index_config.embedding_model).toBe('fake-embedding');
        expect(info.default_dense_weight).toBe(0.5);
      } finally {
        await learned.close();
        await embeddings.close();
      }
    }, 60_000);
  }
});
