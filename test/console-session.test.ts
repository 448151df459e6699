import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';

const CONSOLE = { 'x-fjord-console': '1' };

function sessionCookie(response: Response): string {
  const setCookie = response.headers.get('set-cookie') ?? '';
  const match = /fjord_session=([^;]+)/.exec(setCookie);
  if (!match) throw new Error(`no session cookie in ${setCookie}`);
  return `fjord_session=${match[1]}`;
}

describe.each(BACKENDS)('console sessions (%s)', (backend) => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack(backend, { CONSOLE_SESSION_TTL_SECONDS: '60' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const signIn = (apiKey: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.baseUrl}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...CONSOLE, ...headers }, body: JSON.stringify({ api_key: apiKey }) });
  const listWith = (cookie: string, headers: Record<string, string> = CONSOLE) =>
    fetch(`${stack.baseUrl}/api/knowledge/collection/list`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers }, body: '{}' });

  it('exchanges an API key for an HttpOnly, SameSite=Strict cookie with an expiry; the key itself is not the cookie', async () => {
    const response = await signIn(TEST_ADMIN_KEY);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { kind: string; expires_at: number };
    expect(body.kind).toBe('admin');
    expect(body.expires_at - Date.now()).toBeGreaterThan(50_000);
    expect(body.expires_at - Date.now()).toBeLessThanOrEqual(60_000);
    const setCookie = response.headers.get('set-cookie') as string;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Expires=/i);
    expect(setCookie).not.toContain(TEST_ADMIN_KEY);
    const list = await listWith(sessionCookie(response));
    expect(list.status).toBe(200);
    expect(((await list.json()) as { code: number }).code).toBe(0);
  });

  it('refuses a wrong key with 401 and sets no cookie', async () => {
    const response = await signIn('not-a-key-at-all-0000');
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe('invalid API key');
  });

  it('refuses a cookie-authenticated state change without the console header, or from another origin', async () => {
    const cookie = sessionCookie(await signIn(TEST_ADMIN_KEY));
    const bare = await listWith(cookie, {});
    expect(bare.status).toBe(403);
    expect(((await bare.json()) as { message: string }).message).toMatch(/x-fjord-console/);
    const foreign = await listWith(cookie, { ...CONSOLE, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { message: string }).message).toMatch(/another origin/);
    const sameOrigin = await listWith(cookie, { ...CONSOLE, origin: stack.baseUrl });
    expect(sameOrigin.status).toBe(200);
    // Sign-in itself checks the origin too (no logging a victim into an attacker's key).
    expect((await signIn(TEST_ADMIN_KEY, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('sign-out revokes the session at once, even for a copy of the cookie', async () => {
    const cookie = sessionCookie(await signIn(TEST_ADMIN_KEY));
    expect((await fetch(`${stack.baseUrl}/console/session`, { headers: { cookie } })).status).toBe(200);
    const out = await fetch(`${stack.baseUrl}/console/session`, { method: 'DELETE', headers: { cookie, ...CONSOLE } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/fjord_session=;/);
    const after = await fetch(`${stack.baseUrl}/console/session`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toMatch(/sign in again/);
  });

  it('a session ends at its server-side expiry', async () => {
    const cookie = sessionCookie(await signIn(TEST_ADMIN_KEY));
    const db = stack.app.get<any>(require('@fjord/database').DB);
    await db.query("UPDATE console_sessions SET expires_at = now() - interval '1 second'");
    expect((await listWith(cookie)).status).toBe(401);
  });

  it('a session opened with a scoped bot key has only that key\'s rights, and never outlives it', async () => {
    const bot = await stack.post('/api/v2/bots', { name: 'b', model: 'local' });
    const minted = await fetch(`${stack.baseUrl}/?Action=GetApiKey&Version=2024-01-01`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ DurationSeconds: 30, ResourceType: 'bot', ResourceIds: [bot.body.id] }),
    });
    const { Result } = (await minted.json()) as { Result: { ApiKey: string; ExpiredTime: number } };
    const response = await signIn(Result.ApiKey);
    expect(response.status).toBe(200);
    const session = (await response.json()) as { kind: string; bot_ids: string[]; expires_at: number };
    expect(session).toMatchObject({ kind: 'bot', bot_ids: [bot.body.id] });
    expect(session.expires_at).toBeLessThanOrEqual(Result.ExpiredTime * 1000 + 1000);
    const list = await listWith(sessionCookie(response));
    expect(list.status).toBe(403);
  });

  it('a bearer key still wins over a cookie (API clients are unaffected)', async () => {
    const response = await fetch(`${stack.baseUrl}/api/knowledge/collection/list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer wrong-key-000000000', cookie: sessionCookie(await signIn(TEST_ADMIN_KEY)) },
      body: '{}',
    });
    expect(response.status).toBe(401);
  });
});

describe('GET /, CSP and CORS', () => {
  let stack: TestStack;
  let corsStack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('embedded');
    corsStack = await startTestStack('embedded', { CORS_ORIGINS: 'http://app.example:8080, http://other.example' });
  });
  afterAll(async () => {
    await stack?.close();
    await corsStack?.close();
  });

  it('GET / serves the console to a browser with a strict CSP, and a map of the service to API clients', async () => {
    const page = await fetch(`${stack.baseUrl}/`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    const csp = page.headers.get('content-security-policy') as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(csp).toContain("frame-ancestors 'none'");
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const script = await fetch(`${stack.baseUrl}${asset}`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('content-security-policy')).toBe(csp);

    const json = await fetch(`${stack.baseUrl}/`);
    expect(await json.json()).toEqual({ service: 'fjord', console: '/', docs: '/docs', openapi: '/docs-json', health: '/health' });
  });

  it('GetApiKey still answers on POST / (the console does not shadow it)', async () => {
    const response = await fetch(`${stack.baseUrl}/?Action=GetApiKey&Version=2024-01-01`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { ResponseMetadata: unknown }).ResponseMetadata).toBeDefined();
  });

  it('CORS is off by default', async () => {
    const preflight = await fetch(`${stack.baseUrl}/api/knowledge/collection/list`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CORS_ORIGINS allows exactly the listed origins, bearer keys only (no cookies, no console header)', async () => {
    const preflight = await fetch(`${corsStack.baseUrl}/api/knowledge/collection/list`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example:8080');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).not.toContain('x-fjord-console');
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await fetch(`${corsStack.baseUrl}/api/knowledge/collection/list`, {
      method: 'OPTIONS',
      headers: { origin: 'http://elsewhere.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await fetch(`${corsStack.baseUrl}/api/knowledge/collection/list`, {
      method: 'POST',
      headers: { origin: 'http://other.example', 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: '{}',
    });
    expect(actual.status).toBe(200);
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://other.example');
    expect(actual.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
  });

  it('a bad CORS_ORIGINS stops start-up with a message naming it', () => {
    const { loadConfig } = require('@fjord/config');
    expect(() => loadConfig({ CORS_ORIGINS: 'not a url' })).toThrow(/CORS_ORIGINS/);
  });
});

describe('the OpenAPI document', () => {
  let stack: TestStack;
  let doc: any;
  beforeAll(async () => {
    stack = await startTestStack('embedded');
    doc = await (await fetch(`${stack.baseUrl}/docs-json`)).json();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

  it('gives every operation a summary, a success schema and its family\'s error envelopes', () => {
    expect(operations().length).toBeGreaterThan(35);
    for (const { path, method, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect([where, typeof op.summary === 'string' && op.summary.length > 5]).toEqual([where, true]);
      if (path === '/health' || path === '/ping' || (path === '/console/session' && method === 'delete')) continue;
      expect([where, op.responses['200']?.content?.['application/json']?.schema]).toEqual([where, expect.any(Object)]);
      expect([where, op.responses['400']?.content?.['application/json']?.schema?.$ref]).toEqual([where, expect.stringMatching(/Error$/)]);
      expect([where, op.responses['401']]).toEqual([where, expect.any(Object)]);
    }
    expect(doc.paths['/api/knowledge/doc/info'].post.responses['404'].content['application/json'].schema.$ref).toBe('#/components/schemas/VikingError');
    expect(doc.paths['/api/v3/context/create'].post.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/ArkError');
    expect(doc.paths['/api/v2/bots'].post.responses['401'].content['application/json'].schema.$ref).toBe('#/components/schemas/BotError');
    expect(doc.components.schemas.VikingError.example.code).toBe(1000005);
  });

  it('wraps Viking answers in the envelope and shows worked examples', () => {
    const info = doc.paths['/api/knowledge/doc/info'].post.responses['200'].content['application/json'].schema;
    expect(info.properties.code.enum).toEqual([0]);
    expect(info.properties.data.properties.status.properties.process_status).toBeDefined();
    expect(info.properties.data.example.doc_id).toBe('travel-policy');
    const search = doc.paths['/api/knowledge/collection/search_knowledge'].post.responses['200'].content['application/json'].schema;
    expect(search.properties.data.properties.result_list.items.properties.debug.properties.dense).toBeDefined();
    const chat = doc.paths['/api/knowledge/chat/completions'].post.responses['200'].content;
    expect(chat['text/event-stream'].schema.properties.data.properties.end).toBeDefined();
  });

  it('lets /docs upload a file: doc/upload is multipart with a binary file field', () => {
    const form = doc.paths['/api/knowledge/doc/upload'].post.requestBody.content['multipart/form-data'].schema;
    expect(form.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(form.required).toContain('file');
    expect(form.properties.collection_name).toBeDefined();
  });

  it('says the bearer token is an API key, and names the console cookie', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'API key' });
    expect(doc.components.securitySchemes.cookie).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'fjord_session' });
  });

  it('has no dangling $ref (every reference resolves inside the document)', () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const name = ref.slice(8, -1).replace('#/components/schemas/', '');
      expect([ref, doc.components.schemas[name] !== undefined]).toEqual([ref, true]);
    }
  });

  it('is the document the console\'s client was generated from (run npm run openapi after changing the API)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'apps', 'console', 'openapi.json'), 'utf8'));
    expect(doc).toEqual(committed);
  });
});
