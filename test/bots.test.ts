import { BACKENDS, TestStack, startTestStack } from './support/test-stack';
import { GET_API_KEY, call, createBot, expireKey, mintKey, seedCollection } from './bots-harness';

/** Bot management and temporary keys (api.md section 3) over real HTTP, on every backend. */
describe.each(BACKENDS)('bots and keys on %s', (backend) => {
  let stack: TestStack;
  let resourceId: string;

  beforeAll(async () => {
    stack = await startTestStack(backend);
    resourceId = await seedCollection(stack, 'handbook', [{ id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days.' }]);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const BOT = { name: 'Handbook bot', model: 'Doubao-1.5-pro-32k', knowledge: { collections: [{ name: 'handbook' }] } };

  describe('management', () => {
    it('creates a bot with the documented defaults and reads it back', async () => {
      const created = await call(stack, 'POST', '/api/v2/bots', { ...BOT, description: 'answers travel questions', system_prompt: 'Be brief.', parameters: { temperature: 0.3, max_new_tokens: 256 } });
      expect(created.status).toBe(200);
      expect(created.body.id).toMatch(/^bot-\d{14}-[0-9a-f]{16}$/);
      expect(created.body).toEqual({
        id: created.body.id,
        name: 'Handbook bot',
        description: 'answers travel questions',
        model: 'Doubao-1.5-pro-32k',
        system_prompt: 'Be brief.',
        knowledge: { collections: [{ name: 'handbook', project: 'default' }] },
        parameters: { temperature: 0.3, max_new_tokens: 256 },
        create_time: expect.any(Number),
        update_time: created.body.create_time,
      });
      expect(Math.abs(created.body.create_time - Date.now())).toBeLessThan(60_000);

      const read = await call(stack, 'GET', `/api/v2/bots/${created.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);

      const minimal = await createBot(stack, { name: 'plain', model: 'any-model' });
      expect(minimal).toMatchObject({ description: '', system_prompt: '', knowledge: null, parameters: {} });
    });

    it('accepts a collection by resource_id and every retrieval knob', async () => {
      const knowledge = {
        collections: [{ resource_id: resourceId }],
        limit: 5,
        dense_weight: 0.7,
        query_param: { doc_filter: { op: 'must', field: 'doc_id', conds: ['travel'] } },
        post_processing: { rerank_switch: true, retrieve_count: 10, chunk_diffusion_count: 1 },
      };
      const bot = await createBot(stack, { ...BOT, knowledge });
      expect(bot.knowledge).toEqual({ ...knowledge, collections: [{ resource_id: resourceId, project: 'default' }] });
    });

    it('lists bots oldest first', async () => {
      const a = await createBot(stack, { ...BOT, name: 'list-a' });
      const b = await createBot(stack, { ...BOT, name: 'list-b' });
      const { status, body } = await call(stack, 'GET', '/api/v2/bots');
      expect(status).toBe(200);
      expect(body.total).toBe(body.bots.length);
      const ids = body.bots.map((bot: { id: string }) => bot.id);
      expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(b.id)).toBeGreaterThan(ids.indexOf(a.id));
    });

    it('updates only the fields a PUT gives; knowledge null removes the knowledge', async () => {
      const bot = await createBot(stack, { ...BOT, system_prompt: 'Old prompt.', parameters: { top_k: 5 } });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const renamed = await call(stack, 'PUT', `/api/v2/bots/${bot.id}`, { name: 'Renamed', parameters: { top_p: 0.5 } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ ...bot, name: 'Renamed', parameters: { top_p: 0.5 }, update_time: expect.any(Number) });
      expect(renamed.body.update_time).toBeGreaterThan(bot.update_time);

      const cleared = await call(stack, 'PUT', `/api/v2/bots/${bot.id}`, { knowledge: null });
      expect(cleared.body.knowledge).toBeNull();
      expect(cleared.body.system_prompt).toBe('Old prompt.');
      expect((await call(stack, 'GET', `/api/v2/bots/${bot.id}`)).body.knowledge).toBeNull();
    });

    it('deletes a bot; afterwards it is 404 everywhere', async () => {
      const bot = await createBot(stack, BOT);
      const deleted = await call(stack, 'DELETE', `/api/v2/bots/${bot.id}`);
      expect(deleted).toMatchObject({ status: 200, body: { id: bot.id, deleted: true } });
      for (const [method, body] of [['GET', undefined], ['PUT', { name: 'x' }], ['DELETE', undefined]] as const) {
        const reply = await call(stack, method, `/api/v2/bots/${bot.id}`, body);
        expect(reply.status).toBe(404);
        expect(reply.body).toEqual({ req_id: reply.headers.get('x-request-id'), error: { code: 'InvalidEndpointOrModel.NotFound', message: `bot ${bot.id} does not exist` } });
      }
      expect((await call(stack, 'GET', '/api/v2/bots')).body.bots.map((b: { id: string }) => b.id)).not.toContain(bot.id);
    });

    it('refuses knowledge over collections that do not exist, naming each of them, and leaves the bot unchanged', async () => {
      const created = await call(stack, 'POST', '/api/v2/bots', { ...BOT, knowledge: { collections: [{ name: 'handbook' }, { name: 'nope' }, { resource_id: 'kb-missing' }] } });
      expect(created.status).toBe(404);
      expect(created.body.req_id).toBe(created.headers.get('x-request-id'));
      expect(created.body.error.message).toContain('nope (project default)');
      expect(created.body.error.message).toContain('resource_id kb-missing');
      expect(created.body.error.message).not.toContain('handbook');

      const bot = await createBot(stack, BOT);
      const updated = await call(stack, 'PUT', `/api/v2/bots/${bot.id}`, { name: 'changed', knowledge: { collections: [{ name: 'other', project: 'p2' }] } });
      expect(updated.status).toBe(404);
      expect(updated.body.error.message).toContain('other (project p2)');
      expect((await call(stack, 'GET', `/api/v2/bots/${bot.id}`)).body).toEqual(bot);
    });

    const invalid: Array<[string, Record<string, unknown>, string, string]> = [
      ['no name', { model: 'm' }, 'MissingParameter', 'name'],
      ['no model', { name: 'n' }, 'MissingParameter', 'model'],
      ['an empty name', { name: '  ', model: 'm' }, 'InvalidParameter', 'name'],
      ['temperature 0', { ...BOT, parameters: { temperature: 0 } }, 'InvalidParameter', 'parameters.temperature'],
      ['temperature above 1', { ...BOT, parameters: { temperature: 1.01 } }, 'InvalidParameter', 'parameters.temperature'],
      ['top_p above 1', { ...BOT, parameters: { top_p: 1.5 } }, 'InvalidParameter', 'parameters.top_p'],
      ['a negative top_k', { ...BOT, parameters: { top_k: -1 } }, 'InvalidParameter', 'parameters.top_k'],
      ['max_new_tokens 0', { ...BOT, parameters: { max_new_tokens: 0 } }, 'InvalidParameter', 'parameters.max_new_tokens'],
      ['conflicting max_new_tokens and max_tokens', { ...BOT, parameters: { max_new_tokens: 10, max_tokens: 20 } }, 'InvalidParameter', 'parameters.max_tokens'],
      ['conflicting penalties', { ...BOT, parameters: { repetition_penalty: 1, frequency_penalty: 0.5 } }, 'InvalidParameter', 'parameters.frequency_penalty'],
      ['a logit_bias key that is no token id', { ...BOT, parameters: { logit_bias: { hello: 5 } } }, 'InvalidParameter', 'parameters.logit_bias'],
      ['a logit_bias above 100', { ...BOT, parameters: { logit_bias: { '42': 101 } } }, 'InvalidParameter', 'parameters.logit_bias.42'],
      ['a bad extra.stop', { ...BOT, parameters: { extra: { stop: ['a', 'b', 'c', 'd', 'e'] } } }, 'InvalidParameter', 'parameters.extra.stop'],
      ['knowledge without collections', { ...BOT, knowledge: { collections: [] } }, 'InvalidParameter', 'knowledge.collections'],
      ['a bad doc_filter', { ...BOT, knowledge: { collections: [{ name: 'handbook' }], query_param: { doc_filter: { op: 'magic' } } } }, 'InvalidParameter', 'knowledge.query_param.doc_filter'],
    ];
    it.each(invalid)('refuses %s with a 400 in the bot envelope', async (_label, body, code, field) => {
      const reply = await call(stack, 'POST', '/api/v2/bots', body);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ req_id: reply.headers.get('x-request-id'), error: { code, message: expect.stringContaining(field) } });
    });

    it('refuses a knowledge collection named by neither resource_id nor name', async () => {
      const reply = await call(stack, 'POST', '/api/v2/bots', { ...BOT, knowledge: { collections: [{ project: 'default' }] } });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('MissingParameter');
    });

    it('refuses a malformed bot id and malformed JSON', async () => {
      const bad = await call(stack, 'GET', '/api/v2/bots/not-a-bot');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('bot_id');
      const json = await call(stack, 'POST', '/api/v2/bots', '{"name":');
      expect(json.status).toBe(400);
      expect(json.body.error.code).toBe('InvalidParameter');
    });

    it('needs a valid key', async () => {
      for (const key of [null, 'wrong-key-wrong-key-wrong']) {
        const reply = await call(stack, 'GET', '/api/v2/bots', undefined, key);
        expect(reply.status).toBe(401);
        expect(reply.body.error.code).toBe('AuthenticationError');
      }
    });
  });

  describe('GetApiKey', () => {
    it('mints a key for existing bots that expires after DurationSeconds', async () => {
      const bot = await createBot(stack, BOT);
      const before = Math.floor(Date.now() / 1000);
      const reply = await call(stack, 'POST', GET_API_KEY, { DurationSeconds: 3600, ResourceType: 'bot', ResourceIds: [bot.id] });
      const after = Math.floor(Date.now() / 1000);
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({
        ResponseMetadata: { RequestId: reply.headers.get('x-request-id'), Action: 'GetApiKey', Version: '2024-01-01' },
        Result: { ApiKey: expect.any(String), ExpiredTime: expect.any(Number) },
      });
      expect(reply.body.Result.ExpiredTime).toBeGreaterThanOrEqual(before + 3600);
      expect(reply.body.Result.ExpiredTime).toBeLessThanOrEqual(after + 3600);
      expect(reply.body.Result.ApiKey.length).toBeGreaterThanOrEqual(32);
      // Two keys for the same bot are different keys.
      expect(await mintKey(stack, [bot.id])).not.toBe(reply.body.Result.ApiKey);
    });

    it('refuses bots that do not exist, naming them', async () => {
      const bot = await createBot(stack, BOT);
      const reply = await call(stack, 'POST', GET_API_KEY, { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: [bot.id, 'bot-missing-1', 'bot-missing-2'] });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({
        ResponseMetadata: { RequestId: reply.headers.get('x-request-id'), Error: { Code: 'InvalidEndpointOrModel.NotFound', Message: 'no such bot: bot-missing-1, bot-missing-2' } },
      });
    });

    const invalid: Array<[string, string, unknown, string]> = [
      ['DurationSeconds 0', GET_API_KEY, { DurationSeconds: 0, ResourceType: 'bot', ResourceIds: ['bot-x'] }, 'DurationSeconds'],
      ['DurationSeconds above 30 days', GET_API_KEY, { DurationSeconds: 2592001, ResourceType: 'bot', ResourceIds: ['bot-x'] }, 'DurationSeconds'],
      ['a fractional DurationSeconds', GET_API_KEY, { DurationSeconds: 1.5, ResourceType: 'bot', ResourceIds: ['bot-x'] }, 'DurationSeconds'],
      ['a ResourceType other than bot', GET_API_KEY, { DurationSeconds: 60, ResourceType: 'collection', ResourceIds: ['bot-x'] }, 'ResourceType'],
      ['no ResourceIds', GET_API_KEY, { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: [] }, 'ResourceIds'],
      ['a missing DurationSeconds', GET_API_KEY, { ResourceType: 'bot', ResourceIds: ['bot-x'] }, 'DurationSeconds'],
      ['an unknown Action', '/?Action=DeleteEverything&Version=2024-01-01', { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: ['bot-x'] }, 'Action'],
      ['a wrong Version', '/?Action=GetApiKey&Version=2020-01-01', { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: ['bot-x'] }, 'Version'],
    ];
    it.each(invalid)('refuses %s in the OpenAPI envelope', async (_label, path, body, field) => {
      const reply = await call(stack, 'POST', path, body);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ ResponseMetadata: { RequestId: reply.headers.get('x-request-id'), Error: { Code: expect.stringMatching(/^(InvalidParameter|MissingParameter)$/), Message: expect.stringContaining(field) } } });
    });

    it('needs the admin key: no key is 401, a bot key is 403', async () => {
      const bot = await createBot(stack, BOT);
      const body = { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: [bot.id] };
      const none = await call(stack, 'POST', GET_API_KEY, body, null);
      expect(none.status).toBe(401);
      expect(none.body.ResponseMetadata.Error.Code).toBe('AuthenticationError');
      const botKey = await mintKey(stack, [bot.id]);
      const refused = await call(stack, 'POST', GET_API_KEY, body, botKey);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ ResponseMetadata: { RequestId: refused.headers.get('x-request-id'), Error: { Code: 'AccessDenied', Message: expect.any(String) } } });
    });
  });

  describe('what a bot key may not do', () => {
    let bot: { id: string };
    let key: string;
    beforeAll(async () => {
      bot = await createBot(stack, BOT);
      key = await mintKey(stack, [bot.id]);
    });

    it('manage bots, even its own (403 in the bot envelope)', async () => {
      const calls: Array<[string, string, unknown]> = [
        ['POST', '/api/v2/bots', BOT],
        ['GET', '/api/v2/bots', undefined],
        ['GET', `/api/v2/bots/${bot.id}`, undefined],
        ['PUT', `/api/v2/bots/${bot.id}`, { name: 'hijacked' }],
        ['DELETE', `/api/v2/bots/${bot.id}`, undefined],
      ];
      for (const [method, path, body] of calls) {
        const reply = await call(stack, method, path, body, key);
        expect({ method, path, status: reply.status }).toEqual({ method, path, status: 403 });
        expect(reply.body).toEqual({ req_id: reply.headers.get('x-request-id'), error: { code: 'AccessDenied', message: expect.any(String) } });
      }
      expect((await call(stack, 'GET', `/api/v2/bots/${bot.id}`)).body.name).toBe(BOT.name);
    });

    it('touch collections, documents, points or search (Viking 403 1000002)', async () => {
      const calls: Array<[string, unknown]> = [
        ['/api/knowledge/collection/create', { name: 'stolen' }],
        ['/api/knowledge/collection/list', {}],
        ['/api/knowledge/collection/info', { name: 'handbook' }],
        ['/api/knowledge/collection/delete', { name: 'handbook' }],
        ['/api/knowledge/doc/add', { collection_name: 'handbook', add_type: 'text', doc_id: 'x', content: 'x' }],
        ['/api/knowledge/doc/info', { collection_name: 'handbook', doc_id: 'travel' }],
        ['/api/knowledge/doc/delete', { collection_name: 'handbook', doc_id: 'travel' }],
        ['/api/knowledge/point/list', { collection_name: 'handbook' }],
        ['/api/knowledge/collection/search_knowledge', { collection_name: 'handbook', query: 'train' }],
        ['/api/knowledge/collection/search_and_generate', { collection_name: 'handbook', query: 'train' }],
        ['/api/knowledge/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'train?' }], collection_name: 'handbook' }],
      ];
      for (const [path, body] of calls) {
        const reply = await call(stack, 'POST', path, body, key);
        expect({ path, status: reply.status, code: reply.body.code }).toEqual({ path, status: 403, code: 1000002 });
        expect(reply.body.request_id).toBe(reply.headers.get('x-request-id'));
      }
      expect((await stack.post('/api/knowledge/collection/info', { name: 'handbook' })).body.data.doc_num).toBe(1);
    });

    it('read the metrics (403)', async () => {
      const reply = await call(stack, 'GET', '/metrics', undefined, key);
      expect(reply.status).toBe(403);
    });

    it('use the context cache API (Ark 403)', async () => {
      const reply = await call(stack, 'POST', '/api/v3/context/create', { model: 'm', messages: [{ role: 'system', content: 'x' }] }, key);
      expect(reply.status).toBe(403);
      expect(reply.body.error).toMatchObject({ code: 'AccessDenied', type: 'Forbidden' });
    });

    it('anything once expired (401), whether by its duration or by the clock', async () => {
      const shortKey = await mintKey(stack, [bot.id], 1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const late = await call(stack, 'GET', '/api/v2/bots', undefined, shortKey);
      expect(late.status).toBe(401);
      expect(late.body.error).toEqual({ code: 'AuthenticationError', message: 'API key has expired' });

      const other = await mintKey(stack, [bot.id]);
      await expireKey(stack, other);
      const expired = await call(stack, 'POST', '/api/knowledge/collection/list', {}, other);
      expect(expired.status).toBe(401);
      expect(expired.body.code).toBe(1000001);
    });
  });
});
