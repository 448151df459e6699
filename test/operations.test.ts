import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, TestStack, startTestStack, waitForDocument } from './support/test-stack';

describe.each(BACKENDS)('operations (%s)', (backend) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(backend);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('GET /health needs no key and reports the database (and Redis when configured)', async () => {
    const response = await fetch(`${stack.baseUrl}/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body.status).toBe('ok');
    expect(body.database).toEqual({ status: 'ok', kind: backend === 'embedded' ? 'pglite' : 'postgres' });
    expect(body.redis.status).toBe(backend === 'embedded' ? 'disabled' : 'ok');
  });

  it('echoes the client request id, or makes one', async () => {
    const echoed = await fetch(`${stack.baseUrl}/health`, { headers: { 'X-Client-Request-Id': 'client-abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-abc-123');
    const made = await fetch(`${stack.baseUrl}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const res = await stack.post('/api/knowledge/collection/info', { name: 'missing' });
    expect(res.body.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('serves the OpenAPI document with the request schemas of both search names', async () => {
    const response = await fetch(`${stack.baseUrl}/docs-json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as any;
    const bodySchema = (path: string) => {
      const ref: string | undefined = doc.paths[path]?.post?.requestBody?.content?.['application/json']?.schema?.$ref;
      return ref ? doc.components.schemas[ref.split('/').pop() as string] : undefined;
    };
    expect(bodySchema('/api/knowledge/collection/search_knowledge')?.properties?.query).toBeDefined();
    expect(bodySchema('/api/knowledge/collection/search')).toBeDefined();
  });

  it('answers an unknown endpoint with 404 in the family envelope', async () => {
    const viking = await stack.post('/api/knowledge/collection/nonsense', {});
    expect([viking.status, viking.body.code]).toEqual([404, 1000003]);
    const ark = await stack.post('/api/v3/nonsense', {});
    expect(ark.status).toBe(404);
    expect(ark.body.error).toMatchObject({ code: 'NotFound', type: 'NotFound' });
  });

  it('refuses a scoped key whose expiry is missing or past', async () => {
    const db = stack.app.get<any>(require('@fjord/database').DB);
    const { hashApiKey } = require('@fjord/auth');
    await db.query("INSERT INTO api_keys (id, key_hash, kind, bot_ids, expires_at) VALUES ('k-null', $1, 'bot', '{}', NULL), ('k-past', $2, 'bot', '{}', now() - interval '1 second')", [hashApiKey('scoped-null-key-123'), hashApiKey('scoped-past-key-123')]);
    for (const key of ['scoped-null-key-123', 'scoped-past-key-123']) {
      const res = await stack.post('/api/knowledge/collection/list', {}, key);
      expect([res.status, res.body.code, res.body.message]).toEqual([401, 1000001, 'API key has expired']);
    }
    const { ApiKeyService } = require('@fjord/auth');
    expect(await stack.app.get(ApiKeyService).sweepExpired()).toBe(2);
    const left = await db.query('SELECT kind FROM api_keys');
    expect(left.rows).toEqual([{ kind: 'admin' }]);
  });

  it('serves Prometheus metrics to key holders: HTTP latency, queue depth, stage durations', async () => {
    expect((await fetch(`${stack.baseUrl}/metrics`)).status).toBe(401);
    await stack.post('/api/knowledge/collection/create', { name: 'metered' });
    await stack.post('/api/knowledge/doc/add', { collection_name: 'metered', add_type: 'text', doc_id: 'm', content: 'Measured text.' });
    await waitForDocument(stack, { collection_name: 'metered', doc_id: 'm' });
    const response = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${stack.config.adminApiKey}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/fjord_http_request_duration_seconds_count\{method="POST",route="\/api\/knowledge\/doc\/add",status="200"\} 1/);
    expect(text).toMatch(/fjord_ingestion_queue_depth\{state="queued"\} 0/);
    if (backend === 'embedded') {
      // In services mode the stages run in the worker process, which has no HTTP endpoint.
      expect(text).toMatch(/fjord_ingestion_stage_duration_seconds_count\{stage="parsing"\} [1-9]/);
    }
  });
});

describe('admin key bootstrap', () => {
  it('generates a key on first start, stores only its hash, and writes it to DATA_DIR/admin-key (0600)', async () => {
    const stack = await startTestStack('embedded', { ADMIN_API_KEY: '' });
    try {
      const file = join(stack.config.dataDir, 'admin-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const key = readFileSync(file, 'utf8').trim();
      expect(key).toMatch(/^fjord-admin-[\w-]{32}$/);
      expect((await stack.post('/api/knowledge/collection/list', {}, key)).status).toBe(200);
      expect((await stack.post('/api/knowledge/collection/list', {}, `${key}x`)).status).toBe(401);
      const stored = await stack.app.get<any>(require('@fjord/database').DB).query('SELECT key_hash FROM api_keys');
      expect(JSON.stringify(stored.rows)).not.toContain(key);
    } finally {
      await stack.close();
    }
  });
});
