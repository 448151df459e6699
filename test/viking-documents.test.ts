import { createServer, Server } from 'node:http';
import { buildDocx, buildPdf } from './support/document-fixtures';
import { BACKENDS, TestStack, startTestStack, uploadDocument, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';

const upload = uploadDocument;

const MARKDOWN = `# Fjord guide

Fjord is a knowledge base service.

## Installing

Run npm install and npm start.

## Searching

Use search_knowledge to find passages. 中文检索也可以工作。
`;

describe.each(BACKENDS)('Viking documents API (%s)', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function createCollection(name: string, extra: Record<string, unknown> = {}) {
    const res = await stack.post(`${KB}/collection/create`, { name, ...extra });
    expect(res.status).toBe(200);
    return res.body.data as { resource_id: string; name: string; project: string };
  }

  async function docCount(name: string): Promise<number> {
    const res = await stack.post(`${KB}/doc/list`, { collection_name: name });
    return res.body.data.total_num;
  }

  it('creates, describes, lists, updates and deletes a collection', async () => {
    const created = await createCollection('lifecycle', {
      description: 'first',
      index: { index_config: { fields: [{ field_name: 'year', field_type: 'int64' }] } },
    });
    expect(created.resource_id).toMatch(/^kb-[0-9a-f]{16}$/);
    const info = await stack.post(`${KB}/collection/info`, { name: 'lifecycle' });
    expect(info.body).toMatchObject({ code: 0, message: 'success', request_id: expect.any(String) });
    expect(info.body.data).toMatchObject({
      collection_name: 'lifecycle',
      resource_id: created.resource_id,
      project: 'default',
      description: 'first',
      doc_num: 0,
      preprocessing: { chunk_length: 500, merge_small_chunks: true },
    });
    expect(info.body.data.pipeline_list[0].index_list[0].index_config).toMatchObject({
      embedding_model: 'fjord-local-hash-v1',
      embedding_dimension: 384,
      fields: [{ field_name: 'year', field_type: 'int64' }],
    });
    await stack.post(`${KB}/collection/update`, { resource_id: created.resource_id, description: 'second' });
    const list = await stack.post(`${KB}/collection/list`, {});
    expect(list.body.data.collection_list.find((c: any) => c.collection_name === 'lifecycle').description).toBe('second');
    expect((await stack.post(`${KB}/collection/delete`, { name: 'lifecycle' })).body.code).toBe(0);
    const gone = await stack.post(`${KB}/collection/info`, { name: 'lifecycle' });
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe(1000005);
  });

  it('refuses bad collection requests with the right code and status', async () => {
    await createCollection('dupe');
    const dupe = await stack.post(`${KB}/collection/create`, { name: 'dupe' });
    expect([dupe.status, dupe.body.code]).toEqual([409, 1000004]);
    const badName = await stack.post(`${KB}/collection/create`, { name: '9lives' });
    expect([badName.status, badName.body.code]).toEqual([400, 1000003]);
    expect(badName.body.message).toMatch(/name/);
    const wrongType = await stack.post(`${KB}/collection/create`, { name: 'typed', preprocessing: { chunk_length: 'big' } });
    expect([wrongType.status, wrongType.body.code]).toEqual([400, 1000003]);
    expect(wrongType.body.message).toMatch(/preprocessing\.chunk_length/);
    const malformed = await stack.post(`${KB}/collection/create`, '{"name": ');
    expect([malformed.status, malformed.body.code]).toEqual([400, 1000003]);
    expect(malformed.body.request_id).not.toBe('');
    const noKey = await stack.post(`${KB}/collection/list`, {}, null);
    expect([noKey.status, noKey.body.code]).toEqual([401, 1000001]);
    const badKey = await stack.post(`${KB}/collection/list`, {}, 'not-a-key-at-all');
    expect([badKey.status, badKey.body.code]).toEqual([401, 1000001]);
    // None of the refused creates made a collection.
    const names = (await stack.post(`${KB}/collection/list`, {})).body.data.collection_list.map((c: any) => c.collection_name);
    expect(names).not.toContain('9lives');
    expect(names).not.toContain('typed');
  });

  it('ingests Markdown, HTML, CSV, JSON and text with heading titles, and lists their points', async () => {
    // Small sections stay separate, so each chunk's heading path is visible.
    await createCollection('formats', { preprocessing: { merge_small_chunks: false } });
    const md = await upload(stack, { collection_name: 'formats', doc_id: 'guide' }, { name: 'guide.md', bytes: MARKDOWN });
    expect(md.status).toBe(200);
    expect(md.body.data).toEqual({ collection_name: 'formats', resource_id: expect.any(String), doc_id: 'guide' });
    const html = await upload(stack, { collection_name: 'formats' }, {
      name: 'page.html',
      bytes: '<html><head><title>Page</title></head><body><h1>Harbour</h1><p>Boats rest in the harbour at night.</p></body></html>',
    });
    const csv = await upload(stack, { collection_name: 'formats', doc_id: 'table' }, { name: 'ships.csv', bytes: 'name,length\nAurora,120\nBoreal,95\n' });
    const json = await stack.post(`${KB}/doc/add`, { collection_name: 'formats', add_type: 'text', doc_type: 'json', doc_id: 'j', content: '[{"ship":"Aurora","port":"Bergen"}]' });
    const text = await stack.post(`${KB}/doc/add`, { collection_name: 'formats', add_type: 'text', doc_id: 'note', doc_name: 'note.txt', content: 'A plain note about tides.' });
    const namedMd = await stack.post(`${KB}/doc/add`, { collection_name: 'formats', add_type: 'text', doc_id: 'named', doc_name: 'named.md', content: '# Named\n\nRead as Markdown.' });
    for (const res of [html, csv, json, text, namedMd]) expect(res.status).toBe(200);
    // add_type text without doc_type: the name's extension decides between the text formats, else txt.
    expect((await stack.post(`${KB}/doc/info`, { collection_name: 'formats', doc_id: 'named' })).body.data.doc_type).toBe('md');
    expect((await stack.post(`${KB}/doc/info`, { collection_name: 'formats', doc_id: 'note' })).body.data.doc_type).toBe('txt');

    const guide = await waitForDocument(stack, { collection_name: 'formats', doc_id: 'guide' });
    expect(guide.process_status).toBe(0);
    expect(guide.info).toMatchObject({ doc_name: 'guide.md', doc_type: 'md', add_type: 'file', point_num: expect.any(Number), meta: '[]' });
    expect(guide.info.total_tokens).toBeGreaterThan(10);
    expect(guide.info.doc_hash).toMatch(/^[0-9a-f]{64}$/);
    for (const docId of ['table', 'j', 'note', html.body.data.doc_id]) {
      expect((await waitForDocument(stack, { collection_name: 'formats', doc_id: docId })).process_status).toBe(0);
    }

    const points = await stack.post(`${KB}/point/list`, { collection_name: 'formats', doc_ids: ['guide'], limit: 100 });
    expect(points.body.data.total_num).toBe(guide.info.point_num);
    const titles = points.body.data.point_list.map((p: any) => p.chunk_title);
    expect(titles).toEqual(expect.arrayContaining(['Fjord guide > Installing', 'Fjord guide > Searching']));
    expect(points.body.data.point_list.map((p: any) => p.content).join('\n')).toContain('中文检索也可以工作');
    expect(points.body.data.point_list[0]).toMatchObject({
      point_id: 'guide-0',
      collection_name: 'formats',
      chunk_id: 0,
      chunk_type: 'text',
      doc_info: { doc_id: 'guide', doc_name: 'guide.md', doc_type: 'md' },
    });
    const table = await stack.post(`${KB}/point/list`, { collection_name: 'formats', doc_ids: ['table'] });
    for (const p of table.body.data.point_list) expect(p.content).toContain('name');
    expect(table.body.data.point_list.map((p: any) => p.content).join('\n')).toContain('Boreal');
  });

  it('ingests real DOCX and PDF files', async () => {
    await createCollection('office', { preprocessing: { merge_small_chunks: false } });
    const docx = await buildDocx([
      { style: 'Heading1', text: 'Ferry manual' },
      { text: 'Check the ropes before departure.' },
      { style: 'Heading2', text: 'Safety' },
      { text: 'Life jackets are under every seat.' },
    ]);
    const pdf = buildPdf([['Tide tables for Bergen harbour.', 'High water at noon.'], ['Second page about low water.']], { title: 'Tides' });
    expect((await upload(stack, { collection_name: 'office', doc_id: 'manual' }, { name: 'manual.docx', bytes: docx })).status).toBe(200);
    expect((await upload(stack, { collection_name: 'office', doc_id: 'tides' }, { name: 'tides.pdf', bytes: pdf })).status).toBe(200);
    expect((await waitForDocument(stack, { collection_name: 'office', doc_id: 'manual' })).process_status).toBe(0);
    expect((await waitForDocument(stack, { collection_name: 'office', doc_id: 'tides' })).process_status).toBe(0);
    const manual = await stack.post(`${KB}/point/list`, { collection_name: 'office', doc_ids: ['manual'] });
    expect(manual.body.data.point_list.map((p: any) => p.chunk_title)).toContain('Ferry manual > Safety');
    const tides = await stack.post(`${KB}/point/list`, { collection_name: 'office', doc_ids: ['tides'] });
    const text = tides.body.data.point_list.map((p: any) => p.content).join('\n');
    expect(text).toContain('High water at noon.');
    expect(text).toContain('Second page about low water.');
  });

  it('replaces a document on a reused doc_id without duplicating points', async () => {
    await createCollection('replace');
    await stack.post(`${KB}/doc/add`, { collection_name: 'replace', add_type: 'text', doc_id: 'd', content: 'Version one talks about fjords.' });
    expect((await waitForDocument(stack, { collection_name: 'replace', doc_id: 'd' })).process_status).toBe(0);
    await stack.post(`${KB}/doc/add`, { collection_name: 'replace', add_type: 'text', doc_id: 'd', content: 'Version two talks about glaciers.' });
    const done = await waitForDocument(stack, { collection_name: 'replace', doc_id: 'd' });
    expect(done.process_status).toBe(0);
    const points = await stack.post(`${KB}/point/list`, { collection_name: 'replace' });
    expect(points.body.data.total_num).toBe(1);
    expect(points.body.data.point_list[0].content).toContain('glaciers');
    expect(await docCount('replace')).toBe(1);
  });

  it('fails a corrupt file on its own document only, with a readable reason', async () => {
    await createCollection('mixed');
    await upload(stack, { collection_name: 'mixed', doc_id: 'bad' }, { name: 'broken.pdf', bytes: Buffer.from('%PDF-1.7 this is not really a pdf') });
    await upload(stack, { collection_name: 'mixed', doc_id: 'bad-docx' }, { name: 'broken.docx', bytes: Buffer.from('PK not a zip') });
    await upload(stack, { collection_name: 'mixed', doc_id: 'good' }, { name: 'good.txt', bytes: 'Healthy text survives its neighbours.' });
    const bad = await waitForDocument(stack, { collection_name: 'mixed', doc_id: 'bad' });
    expect(bad.process_status).toBe(1);
    expect(bad.failed_code).toEqual(expect.any(Number));
    expect(String(bad.failed_reason)).toMatch(/pdf/i);
    expect((await waitForDocument(stack, { collection_name: 'mixed', doc_id: 'bad-docx' })).process_status).toBe(1);
    expect((await waitForDocument(stack, { collection_name: 'mixed', doc_id: 'good' })).process_status).toBe(0);
  });

  it('refuses bad document requests with the right code, and stores nothing', async () => {
    await createCollection('strict', { index: { index_config: { fields: [{ field_name: 'year', field_type: 'int64' }] } } });
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, number, RegExp]> = [
      ['unknown collection', stack.post(`${KB}/doc/add`, { collection_name: 'nope', add_type: 'text', content: 'x' }), 404, 1000005, /nope/],
      ['missing add_type', stack.post(`${KB}/doc/add`, { collection_name: 'strict', content: 'x' }), 400, 1000003, /add_type/],
      ['wrong-typed content', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'text', content: 42 }), 400, 1000003, /content/],
      ['empty text', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'text', content: '   ' }), 400, 1000003, /content/],
      ['undeclared meta', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'text', content: 'x', meta: [{ field_name: 'color', field_type: 'string', field_value: 'red' }] }), 400, 1000003, /color/],
      ['meta of wrong type', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'text', content: 'x', meta: [{ field_name: 'year', field_type: 'int64', field_value: 'soon' }] }), 400, 1000003, /year/],
      ['unsupported type', upload(stack, { collection_name: 'strict' }, { name: 'movie.mp4', bytes: 'abc' }), 400, 1000003, /mp4|doc_type/],
      ['missing file', upload(stack, { collection_name: 'strict' }), 400, 1000003, /file/],
      ['bad meta JSON', upload(stack, { collection_name: 'strict', meta: '{oops' }, { name: 'a.txt', bytes: 'x' }), 400, 1000003, /meta/],
      ['unknown doc', stack.post(`${KB}/doc/info`, { collection_name: 'strict', doc_id: 'ghost' }), 404, 1001001, /ghost/],
      ['unknown point', stack.post(`${KB}/point/info`, { collection_name: 'strict', point_id: 'ghost-0' }), 404, 1002001, /ghost-0/],
      ['private url', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'url', url: 'http://127.0.0.1:9/x.txt' }), 400, 1000003, /private|loopback/],
      ['link-local url', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'url', url: 'http://169.254.169.254/latest' }), 400, 1000003, /link-local|private/],
      ['non-http url', stack.post(`${KB}/doc/add`, { collection_name: 'strict', add_type: 'url', url: 'file:///etc/passwd' }), 400, 1000003, /http/],
    ];
    for (const [label, request, status, code, message] of cases) {
      const res = await request;
      expect({ label, status: res.status, code: res.body.code }).toEqual({ label, status, code });
      expect(res.body.message).toMatch(message);
      expect(res.body.request_id).toEqual(expect.any(String));
    }
    expect(await docCount('strict')).toBe(0);
  });

  it('answers 413 for an upload over MAX_UPLOAD_BYTES', async () => {
    const small = await startTestStack('embedded', { MAX_UPLOAD_BYTES: '1024' });
    try {
      await small.post(`${KB}/collection/create`, { name: 'tiny' });
      const res = await upload(small, { collection_name: 'tiny' }, { name: 'big.txt', bytes: 'x'.repeat(4096) });
      expect([res.status, res.body.code]).toEqual([413, 1000003]);
      const text = await small.post(`${KB}/doc/add`, { collection_name: 'tiny', add_type: 'text', content: 'y'.repeat(2048) });
      expect([text.status, text.body.code]).toEqual([413, 1000003]);
      expect((await small.post(`${KB}/doc/list`, { collection_name: 'tiny' })).body.data.total_num).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('fetches a URL document when private addresses are allowed', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/notes.md') {
        res.setHeader('content-type', 'text/markdown');
        res.end('# Remote\n\nFetched over HTTP from a test server.');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const open = await startTestStack(backend, { URL_FETCH_ALLOW_PRIVATE: 'true' });
    try {
      await open.post(`${KB}/collection/create`, { name: 'web' });
      const ok = await open.post(`${KB}/doc/add`, { collection_name: 'web', add_type: 'url', doc_id: 'remote', url: `http://127.0.0.1:${port}/notes.md` });
      expect(ok.status).toBe(200);
      const missing = await open.post(`${KB}/doc/add`, { collection_name: 'web', add_type: 'url', doc_id: 'missing', url: `http://127.0.0.1:${port}/nothing.md` });
      expect(missing.status).toBe(200);
      const remote = await waitForDocument(open, { collection_name: 'web', doc_id: 'remote' });
      expect(remote.process_status).toBe(0);
      expect(remote.info).toMatchObject({ add_type: 'url', doc_type: 'md', doc_name: 'notes.md', url: `http://127.0.0.1:${port}/notes.md` });
      const failed = await waitForDocument(open, { collection_name: 'web', doc_id: 'missing' });
      expect(failed.process_status).toBe(1);
      expect(String(failed.failed_reason)).toMatch(/404/);
    } finally {
      await open.close();
      server.close();
    }
  });

  it('deletes a document and all its points; edits meta, name and points', async () => {
    await createCollection('edits', { index: { index_config: { fields: [{ field_name: 'tags', field_type: 'list<string>' }] } } });
    await stack.post(`${KB}/doc/add`, { collection_name: 'edits', add_type: 'text', doc_id: 'e', content: 'Editable text about ferries.' });
    await waitForDocument(stack, { collection_name: 'edits', doc_id: 'e' });
    const meta = [{ field_name: 'tags', field_type: 'list<string>', field_value: ['sea', 'boat'] }];
    expect((await stack.post(`${KB}/doc/update_meta`, { collection_name: 'edits', doc_id: 'e', meta })).body.code).toBe(0);
    expect((await stack.post(`${KB}/doc/update`, { collection_name: 'edits', doc_id: 'e', doc_name: 'Ferries' })).body.code).toBe(0);
    const info = (await stack.post(`${KB}/doc/info`, { collection_name: 'edits', doc_id: 'e' })).body.data;
    expect(info.doc_name).toBe('Ferries');
    expect(JSON.parse(info.meta)).toEqual(meta);

    const added = await stack.post(`${KB}/point/add`, { collection_name: 'edits', doc_id: 'e', chunk_title: 'Extra', content: 'A hand-written chunk about ferry timetables.' });
    expect(added.body.data).toMatchObject({ point_id: 'e-1', chunk_id: 1, chunk_title: 'Extra' });
    await stack.post(`${KB}/point/update`, { collection_name: 'edits', point_id: 'e-1', content: 'Updated chunk text.' });
    expect((await stack.post(`${KB}/point/info`, { collection_name: 'edits', point_id: 'e-1' })).body.data.content).toBe('Updated chunk text.');
    expect((await stack.post(`${KB}/doc/info`, { collection_name: 'edits', doc_id: 'e' })).body.data.point_num).toBe(2);
    await stack.post(`${KB}/point/delete`, { collection_name: 'edits', point_id: 'e-1' });
    expect((await stack.post(`${KB}/doc/info`, { collection_name: 'edits', doc_id: 'e' })).body.data.point_num).toBe(1);

    expect((await stack.post(`${KB}/doc/delete`, { collection_name: 'edits', doc_id: 'e' })).body.code).toBe(0);
    expect((await stack.post(`${KB}/doc/info`, { collection_name: 'edits', doc_id: 'e' })).status).toBe(404);
    expect((await stack.post(`${KB}/point/list`, { collection_name: 'edits' })).body.data.total_num).toBe(0);
  });
});
