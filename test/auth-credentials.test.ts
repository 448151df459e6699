import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { GET_API_KEY, call, createBot, mintKey } from './bots-harness';
import { TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';
import { SignOptions, signV4 } from './support/v4-test-signer';
import { createApiApp } from '../apps/api/src/create-api-app';

const AK = 'AKLTconfiguredpair';
const SK = 'Y29uZmlndXJlZC1zZWNyZXQta2V5';

interface Reply {
  status: number;
  body: any;
}

/** One credential guard, two kinds (Bearer and V4), over real HTTP; embedded is enough: no backend involved. */
describe('credentials: Bearer keys, Volcengine V4 signatures and access-key pairs', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack('embedded', { ACCESS_KEY_PAIRS: `${AK}:${SK},AKLTsecond:c2Vjb25k`, SIGNATURE_MAX_SKEW_SECONDS: '900' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function signed(path: string, body: unknown, options: Partial<SignOptions> = {}, method = 'POST'): Promise<Reply> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = signV4({ accessKeyId: AK, secretAccessKey: SK, method, url: `${stack.baseUrl}${path}`, body: text, ...options });
    delete headers.Host; // fetch sends the same host:port it was given
    const response = await fetch(`${stack.baseUrl}${path}`, { method, headers, body: method === 'GET' && !text ? undefined : text });
    const raw = await response.text();
    return { status: response.status, body: raw ? JSON.parse(raw) : raw };
  }

  describe('GET /ping', () => {
    it('answers 200 with JSON without any credential, and ignores a wrong one', async () => {
      const plain = await fetch(`${stack.baseUrl}/ping`);
      expect(plain.status).toBe(200);
      expect(await plain.json()).toEqual({ code: 0, message: 'success', data: { status: 'ok' } });
      // What the Viking SDK's constructor sends: GET with a JSON body "{}", signed (here with an unknown key).
      const headers = signV4({ accessKeyId: 'AKunknown', secretAccessKey: SK, method: 'GET', url: `${stack.baseUrl}/ping`, body: '{}' });
      const sdkLike = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.baseUrl}/ping`, { method: 'GET', headers: { ...headers, 'content-length': '2' } });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end('{}');
      });
      expect(sdkLike.status).toBe(200);
      expect(JSON.parse(sdkLike.body)).toEqual({ code: 0, message: 'success', data: { status: 'ok' } });
    });
  });

  describe('V4 signatures are accepted wherever a Bearer key is', () => {
    it('Viking: collection/create and collection/list', async () => {
      const created = await signed('/api/knowledge/collection/create', { name: 'signed_kb' });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ code: 0, data: { name: 'signed_kb' } });
      const listed = await signed('/api/knowledge/collection/list', {});
      expect(listed.body.data.collection_list.map((c: { collection_name: string }) => c.collection_name)).toContain('signed_kb');
    });

    it('without X-Content-Sha256 the server hashes the body itself', async () => {
      const listed = await signed('/api/knowledge/collection/list', { project: 'default' }, { omitContentSha256: true });
      expect(listed.status).toBe(200);
    });

    it('with a signed X-Security-Token, a query string, and through every family', async () => {
      expect((await signed('/api/knowledge/collection/list', {}, { securityToken: 'sts-token-value' })).status).toBe(200);
      const bot = await createBot(stack, { name: 'signed bot', model: 'any-model' });
      const granted = await signed(GET_API_KEY, { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: [bot.id] }, { service: 'ark' });
      expect(granted.status).toBe(200);
      expect(granted.body.Result.ApiKey).toEqual(expect.any(String));
      const bots = await signed('/api/v2/bots', undefined, {}, 'GET');
      expect(bots.status).toBe(200);
      expect(bots.body.bots.map((b: { id: string }) => b.id)).toContain(bot.id);
      const context = await signed('/api/v3/context/create', { model: 'any-model', messages: [{ role: 'system', content: 'hi' }] }, { service: 'ark' });
      expect(context.status).toBe(200);
      expect(context.body.id).toMatch(/^ctx-/);
    });
  });

  describe('every refusal is a 401 that says why, in the family envelope, and never mentions Bearer keys', () => {
    const body = { project: 'default' };
    const cases: Array<[string, () => Promise<Reply>, RegExp]> = [
      ['a wrong secret key', () => signed('/api/knowledge/collection/list', body, { secretAccessKey: 'wrong' }), /signature does not match/],
      ['an unknown access key', () => signed('/api/knowledge/collection/list', body, { accessKeyId: 'AKnobody' }), /unknown access key AKnobody/],
      ['a stale X-Date', () => signed('/api/knowledge/collection/list', body, { date: new Date(Date.now() - 20 * 60_000) }), /X-Date is \d+ s in the past; the allowed clock skew is 900 s/],
      ['a future X-Date', () => signed('/api/knowledge/collection/list', body, { date: new Date(Date.now() + 20 * 60_000) }), /X-Date is \d+ s in the future/],
      ['a body changed after signing', () => tampered({ project: 'other' }), /body does not match X-Content-Sha256/],
      ['a body changed after signing, without X-Content-Sha256', () => tampered({ project: 'other' }, true), /signature does not match/],
    ];
    async function tampered(newBody: unknown, omitContentSha256 = false): Promise<Reply> {
      const headers = signV4({ accessKeyId: AK, secretAccessKey: SK, method: 'POST', url: `${stack.baseUrl}/api/knowledge/collection/list`, body: JSON.stringify(body), omitContentSha256 });
      delete headers.Host;
      const response = await fetch(`${stack.baseUrl}/api/knowledge/collection/list`, { method: 'POST', headers, body: JSON.stringify(newBody) });
      return { status: response.status, body: await response.json() };
    }

    it.each(cases)('%s', async (_name, send, reason) => {
      const reply = await send();
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({ code: 1000001, message: expect.stringMatching(reason), data: null, request_id: expect.any(String) });
      expect(reply.body.message).not.toMatch(/bearer/i);
    });

    it('the region and service are part of the signature, not checked against a list', async () => {
      // A client in any region signs for its own scope; the scope it signed is the scope verified.
      expect((await signed('/api/knowledge/collection/list', body, { region: 'cn-shanghai' })).status).toBe(200);
    });

    async function withHeaders(mutate: (headers: Record<string, string>) => void, path = '/api/knowledge/collection/list'): Promise<Reply> {
      const text = JSON.stringify(body);
      const headers = signV4({ accessKeyId: AK, secretAccessKey: SK, method: 'POST', url: `${stack.baseUrl}${path}`, body: text, service: path.startsWith('/?') ? 'ark' : 'air' });
      delete headers.Host;
      mutate(headers);
      const response = await fetch(`${stack.baseUrl}${path}`, { method: 'POST', headers, body: text });
      return { status: response.status, body: await response.json() };
    }

    it.each<[string, (h: Record<string, string>) => void, RegExp]>([
      ['no X-Date', (h) => delete h['X-Date'], /X-Date header is missing/],
      ['an X-Date in another form', (h) => (h['X-Date'] = new Date().toISOString()), /not in the form YYYYMMDDTHHMMSSZ/],
      ['a credential date other than X-Date\'s', (h) => (h.Authorization = h.Authorization.replace(/Credential=([^/]+)\/\d{8}/, 'Credential=$1/20200101')), /credential date 20200101 differs from the X-Date date/],
      ['host not signed', (h) => (h.Authorization = h.Authorization.replace('content-type;host;', 'content-type;')), /the host header must be signed/],
      ['x-date not signed', (h) => (h.Authorization = h.Authorization.replace(';x-date', '')), /the x-date header must be signed/],
      ['a signed header missing from the request', (h) => (h.Authorization = h.Authorization.replace('x-date,', 'x-date;x-extra,')), /signed header x-extra is not in the request/],
      ['an unsigned X-Security-Token', (h) => (h['X-Security-Token'] = 'sts'), /X-Security-Token was sent but not signed/],
      ['a malformed Authorization', (h) => (h.Authorization = 'HMAC-SHA256 Credential=AK, Signature=x'), /malformed Authorization header/],
    ])('%s', async (_name, mutate, reason) => {
      const reply = await withHeaders(mutate);
      expect(reply.status).toBe(401);
      expect(reply.body.code).toBe(1000001);
      expect(reply.body.message).toMatch(reason);
      expect(reply.body.message).not.toMatch(/bearer/i);
    });

    it('GetApiKey answers in ResponseMetadata.Error', async () => {
      const reply = await withHeaders((h) => (h.Authorization = h.Authorization.replace(/Signature=\w+/, `Signature=${'0'.repeat(64)}`)), GET_API_KEY);
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({
        ResponseMetadata: { RequestId: expect.any(String), Error: { Code: 'AuthenticationError', Message: expect.stringMatching(/V4 signature refused: the signature does not match/) } },
      });
    });

    it('the Ark family answers in its error object', async () => {
      const reply = await signed('/api/v3/context/create', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, { accessKeyId: 'AKnobody', service: 'ark' });
      expect(reply.status).toBe(401);
      expect(reply.body.error).toMatchObject({ code: 'AuthenticationError', type: 'Unauthorized', message: expect.stringMatching(/unknown access key AKnobody/) });
    });

    it('a multipart upload cannot be signed (its body is not hashed); the refusal says to use a Bearer key', async () => {
      const form = new FormData();
      form.set('collection_name', 'signed_kb');
      form.set('file', new Blob(['# hi']), 'a.md');
      const encoded = new Response(form);
      const bytes = Buffer.from(await encoded.arrayBuffer());
      const headers = signV4({ accessKeyId: AK, secretAccessKey: SK, method: 'POST', url: `${stack.baseUrl}/api/knowledge/doc/upload`, body: bytes.toString('latin1'), omitContentSha256: true, extraHeaders: {} });
      delete headers.Host;
      headers['Content-Type'] = encoded.headers.get('content-type') as string;
      const response = await fetch(`${stack.baseUrl}/api/knowledge/doc/upload`, { method: 'POST', headers, body: bytes });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { message: string }).message).toMatch(/multipart uploads need a Bearer key/);
    });
  });

  describe('missing and unsupported credentials', () => {
    it('names both credential kinds when none is sent, and the scheme when it is unsupported', async () => {
      const none = await call(stack, 'POST', '/api/knowledge/collection/list', {}, null);
      expect(none.status).toBe(401);
      expect(none.body.message).toMatch(/missing credentials: send Authorization: Bearer <key>, or sign the request with an access key/);
      const basic = await fetch(`${stack.baseUrl}/api/knowledge/collection/list`, { method: 'POST', headers: { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' }, body: '{}' });
      expect(basic.status).toBe(401);
      expect(((await basic.json()) as { message: string }).message).toMatch(/unsupported Authorization scheme Basic/);
    });

    it('refuses a large unauthenticated body before reading it', async () => {
      // Announce 7 MB, send 64 KB, then wait: the 401 must arrive although the body never completes.
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.baseUrl}/api/knowledge/collection/search_knowledge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': String(7 * 1024 * 1024) },
        });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write(`{"query":"${'x'.repeat(64 * 1024)}`);
      });
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.body)).toMatchObject({ code: 1000001, message: expect.stringMatching(/missing credentials/) });
    });

    it('refuses a large body with a bad signature before reading it', async () => {
      const headers = signV4({ accessKeyId: AK, secretAccessKey: 'wrong', method: 'POST', url: `${stack.baseUrl}/api/knowledge/collection/list`, body: 'x'.repeat(7 * 1024 * 1024) });
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(`${stack.baseUrl}/api/knowledge/collection/list`, { method: 'POST', headers: { ...headers, 'content-length': String(7 * 1024 * 1024) } });
        req.on('response', (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.write('x'.repeat(1024));
      });
      expect(reply.status).toBe(401);
      expect(JSON.parse(reply.body).message).toMatch(/signature does not match/);
    });
  });

  describe('access-key pairs minted at run time', () => {
    it('mints a pair whose secret is shown once and stored encrypted, signs with it, lists it, and revokes it', async () => {
      const minted = await call(stack, 'POST', '/api/admin/access-keys', { description: 'ci pipeline' });
      expect(minted.status).toBe(200);
      expect(minted.body).toEqual({ access_key_id: expect.stringMatching(/^AKFJ[0-9A-F]{30}$/), secret_access_key: expect.any(String), description: 'ci pipeline', source: 'minted', create_time: expect.any(Number) });
      const { access_key_id: accessKeyId, secret_access_key: secret } = minted.body;

      const row = (await stack.app.get<Db>(DB).query<{ secret_ciphertext: string }>('SELECT secret_ciphertext FROM access_keys WHERE access_key_id = $1', [accessKeyId])).rows[0];
      expect(row.secret_ciphertext).toMatch(/^v1\./);
      expect(row.secret_ciphertext).not.toContain(secret);

      expect((await signed('/api/knowledge/collection/list', {}, { accessKeyId, secretAccessKey: secret })).status).toBe(200);
      const listed = await call(stack, 'GET', '/api/admin/access-keys');
      expect(listed.body.access_keys).toEqual(
        expect.arrayContaining([
          { access_key_id: AK, description: 'ACCESS_KEY_PAIRS', source: 'config', create_time: null },
          { access_key_id: accessKeyId, description: 'ci pipeline', source: 'minted', create_time: minted.body.create_time },
        ]),
      );
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      expect(JSON.stringify(listed.body)).not.toContain(SK);

      // A pair may mint and manage keys like the admin key.
      expect((await signed('/api/admin/access-keys', undefined, { accessKeyId, secretAccessKey: secret }, 'GET')).status).toBe(200);

      const revoked = await call(stack, 'DELETE', `/api/admin/access-keys/${accessKeyId}`);
      expect(revoked.body).toEqual({ access_key_id: accessKeyId, revoked: true });
      const after = await signed('/api/knowledge/collection/list', {}, { accessKeyId, secretAccessKey: secret });
      expect(after.status).toBe(401);
      expect(after.body.message).toMatch(new RegExp(`unknown access key ${accessKeyId}`));
      expect((await call(stack, 'DELETE', `/api/admin/access-keys/${accessKeyId}`)).status).toBe(404);
      const configured = await call(stack, 'DELETE', `/api/admin/access-keys/${AK}`);
      expect(configured.status).toBe(400);
      expect(configured.body.error.message).toMatch(/ACCESS_KEY_PAIRS/);
    });

    it('only admin credentials manage keys: a temporary bot key gets 403', async () => {
      const bot = await createBot(stack, { name: 'keys bot', model: 'any-model' });
      const botKey = await mintKey(stack, [bot.id]);
      expect((await call(stack, 'POST', '/api/admin/access-keys', {}, botKey)).status).toBe(403);
      expect((await call(stack, 'GET', '/api/admin/keys', undefined, botKey)).status).toBe(403);
    });
  });

  describe('API key rotation and revocation', () => {
    it('mints an admin key, lists keys without secrets, and revokes admin and temporary keys at once', async () => {
      const minted = await call(stack, 'POST', '/api/admin/keys', { description: 'rotation' });
      expect(minted.status).toBe(200);
      expect(minted.body).toMatchObject({ id: expect.stringMatching(/^key-/), kind: 'admin', description: 'rotation', api_key: expect.stringMatching(/^fjord-admin-/), expire_time: null });
      const newKey = minted.body.api_key;
      expect((await call(stack, 'GET', '/api/admin/keys', undefined, newKey)).status).toBe(200);

      const bot = await createBot(stack, { name: 'revoke bot', model: 'any-model' });
      const botKey = await mintKey(stack, [bot.id]);
      expect((await call(stack, 'GET', '/v1/models', undefined, botKey)).status).toBe(200);
      const keys = (await call(stack, 'GET', '/api/admin/keys')).body.keys as Array<{ id: string; kind: string; bot_ids: string[]; expire_time: number | null }>;
      expect(JSON.stringify(keys)).not.toContain(newKey);
      expect(JSON.stringify(keys)).not.toContain(botKey);
      const botKeyRow = keys.find((key) => key.kind === 'bot' && key.bot_ids.includes(bot.id));
      expect(botKeyRow?.expire_time).toEqual(expect.any(Number));

      expect((await call(stack, 'DELETE', `/api/admin/keys/${botKeyRow?.id}`)).body).toEqual({ id: botKeyRow?.id, revoked: true });
      const refused = await call(stack, 'GET', '/v1/models', undefined, botKey);
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toBe('invalid API key');

      expect((await call(stack, 'DELETE', `/api/admin/keys/${minted.body.id}`)).status).toBe(200);
      expect((await call(stack, 'GET', '/api/admin/keys', undefined, newKey)).status).toBe(401);
      expect((await call(stack, 'DELETE', '/api/admin/keys/admin-env')).status).toBe(400);
      expect((await call(stack, 'GET', '/api/admin/keys', undefined, TEST_ADMIN_KEY)).status).toBe(200);
    });
  });
});

describe('the generated admin key', () => {
  it('stops working once the operator sets ADMIN_API_KEY, and its file is removed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fjord-rotation-'));
    const start = async (env: Record<string, string>) => {
      const app = await createApiApp(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env }));
      await app.listen(0, '127.0.0.1');
      return { app, baseUrl: `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}` };
    };
    const list = (baseUrl: string, key: string) => fetch(`${baseUrl}/api/knowledge/collection/list`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
    try {
      const first = await start({});
      const generated = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
      expect((await list(first.baseUrl, generated)).status).toBe(200);
      await first.app.close();

      const second = await start({ ADMIN_API_KEY: 'operator-chosen-admin-key' });
      try {
        expect((await list(second.baseUrl, generated)).status).toBe(401);
        expect((await list(second.baseUrl, 'operator-chosen-admin-key')).status).toBe(200);
        expect(existsSync(join(dataDir, 'admin-key'))).toBe(false);
      } finally {
        await second.app.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
