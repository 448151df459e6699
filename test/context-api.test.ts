import { hashApiKey } from '@fjord/auth';
import { ContextService, ContextSweeper } from '@fjord/context-cache';
import { countMessagesTokens, countPromptTokens } from '@fjord/llm';
import { FakeOpenAiServer, fakePromptTokens } from './support/fake-openai-server';
import { CONTEXT_BACKENDS, Fjord, expireContext, startFjord } from './context-harness';

/** Ark Context API over real HTTP, fjord in front of the fake OpenAI-compatible upstream. */
describe.each(CONTEXT_BACKENDS)('Ark context API on %s', (backend) => {
  let fake: FakeOpenAiServer;
  let fjord: Fjord;
  const MODEL = 'Doubao-1.5-pro-32k';
  const SYSTEM = { role: 'system' as const, content: 'You are a fjord guide. The Geirangerfjord is 15 km long.' };

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    fjord = await startFjord(backend, {
      LLM_BASE_URL: fake.baseUrl,
      LLM_API_KEY: 'sk-upstream',
      LLM_MODEL_MAP: JSON.stringify({ [MODEL]: 'ep-upstream-1' }),
      LLM_MAX_RETRIES: '1',
    });
  });
  afterAll(async () => {
    await fjord.close();
    await fake.close();
  });
  beforeEach(() => fake.reset({}));

  const create = (body: Record<string, unknown> = {}) => fjord.post('/api/v3/context/create', { model: MODEL, messages: [SYSTEM], ...body });
  const chat = (body: Record<string, unknown>) => fjord.post('/api/v3/context/chat/completions', { model: MODEL, ...body });
  const user = (content: string) => ({ role: 'user' as const, content });

  describe('context/create', () => {
    it('creates a session context with the documented defaults and counts its tokens', async () => {
      const { status, body } = await create();
      expect(status).toBe(200);
      expect(body.id).toMatch(/^ctx-\d{14}-[a-z0-9]+$/);
      expect(body).toEqual({
        id: body.id,
        model: MODEL,
        mode: 'session',
        ttl: 86400,
        truncation_strategy: { type: 'last_history_tokens', last_history_tokens: 4096 },
        usage: {
          prompt_tokens: countMessagesTokens([SYSTEM]),
          completion_tokens: 0,
          total_tokens: countMessagesTokens([SYSTEM]),
          prompt_tokens_details: { cached_tokens: 0 },
        },
      });
      const stamp = body.id.slice(4, 18);
      expect(Math.abs(Date.parse(`${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(8, 10)}:${stamp.slice(10, 12)}:${stamp.slice(12, 14)}Z`) - Date.now())).toBeLessThan(60_000);
    });

    it('creates common_prefix contexts and rolling_tokens strategies, also under /v1', async () => {
      const prefix = await fjord.post('/v1/context/create', { model: MODEL, messages: [SYSTEM], mode: 'common_prefix', ttl: 3600 });
      expect(prefix.status).toBe(200);
      expect(prefix.body).toMatchObject({ mode: 'common_prefix', ttl: 3600, truncation_strategy: null });
      const rolling = await create({ truncation_strategy: { type: 'rolling_tokens' } });
      expect(rolling.body.truncation_strategy).toEqual({ type: 'rolling_tokens', rolling_tokens: true });
    });
  });

  describe('errors (api.md section 2)', () => {
    const cases: Array<[string, () => Promise<{ status: number; body: any }>, number, string, string, string | undefined]> = [
      ['no key', () => fjord.post('/api/v3/context/create', { model: MODEL, messages: [SYSTEM] }, { key: null }), 401, 'AuthenticationError', 'Unauthorized', undefined],
      ['a wrong key', () => fjord.post('/api/v3/context/create', { model: MODEL, messages: [SYSTEM] }, { key: 'nope-nope-nope-nope' }), 401, 'AuthenticationError', 'Unauthorized', undefined],
      ['missing model', () => fjord.post('/api/v3/context/create', { messages: [SYSTEM] }), 400, 'MissingParameter', 'BadRequest', 'model'],
      ['missing messages', () => fjord.post('/api/v3/context/create', { model: MODEL }), 400, 'MissingParameter', 'BadRequest', 'messages'],
      ['empty messages', () => create({ messages: [] }), 400, 'InvalidParameter', 'BadRequest', 'messages'],
      ['ttl below 3600', () => create({ ttl: 3599 }), 400, 'InvalidParameter', 'BadRequest', 'ttl'],
      ['ttl above 604800', () => create({ ttl: 604801 }), 400, 'InvalidParameter', 'BadRequest', 'ttl'],
      ['a fractional ttl', () => create({ ttl: 3600.5 }), 400, 'InvalidParameter', 'BadRequest', 'ttl'],
      ['an unknown mode', () => create({ mode: 'forever' }), 400, 'InvalidParameter', 'BadRequest', 'mode'],
      ['truncation with common_prefix', () => create({ mode: 'common_prefix', truncation_strategy: { type: 'rolling_tokens' } }), 400, 'InvalidParameter', 'BadRequest', 'truncation_strategy'],
      ['an unknown truncation type', () => create({ truncation_strategy: { type: 'magic' } }), 400, 'InvalidParameter', 'BadRequest', 'truncation_strategy.type'],
      ['a tool message', () => create({ messages: [{ role: 'tool', content: 'x' }] }), 400, 'InvalidParameter', 'BadRequest', 'messages.0.role'],
      ['malformed JSON', () => fjord.post('/api/v3/context/create', '{"model":'), 400, 'InvalidParameter', 'BadRequest', undefined],
      ['chat without context_id', () => chat({ messages: [user('hi')] }), 400, 'MissingParameter', 'BadRequest', 'context_id'],
      ['chat with an unknown context', () => chat({ context_id: 'ctx-20240101000000-deadbeef', messages: [user('hi')] }), 404, 'ContextNotFound', 'NotFound', 'context_id'],
      ['temperature above 2', () => chat({ context_id: 'ctx-x', messages: [user('hi')], temperature: 2.5 }), 400, 'InvalidParameter', 'BadRequest', 'temperature'],
      ['top_p above 1', () => chat({ context_id: 'ctx-x', messages: [user('hi')], top_p: 1.5 }), 400, 'InvalidParameter', 'BadRequest', 'top_p'],
      ['five stop strings', () => chat({ context_id: 'ctx-x', messages: [user('hi')], stop: ['a', 'b', 'c', 'd', 'e'] }), 400, 'InvalidParameter', 'BadRequest', 'stop'],
      ['frequency_penalty below -2', () => chat({ context_id: 'ctx-x', messages: [user('hi')], frequency_penalty: -3 }), 400, 'InvalidParameter', 'BadRequest', 'frequency_penalty'],
      ['tools', () => chat({ context_id: 'ctx-x', messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f' } }] }), 400, 'InvalidParameter', 'BadRequest', 'tools'],
      ['an assistant last message', () => chat({ context_id: 'ctx-x', messages: [user('hi'), { role: 'assistant', content: 'hello' }] }), 400, 'InvalidParameter', 'BadRequest', 'messages.1.role'],
    ];
    it.each(cases)('%s', async (_name, call, status, code, type, param) => {
      const response = await call();
      expect(response.status).toBe(status);
      expect(response.body).toEqual({ error: { code, message: expect.any(String), param: param ?? expect.any(String), type } });
      expect(response.body.error.message.length).toBeGreaterThan(3);
      expect(fake.chatRequests()).toHaveLength(0);
    });

    it('a model other than the context’s is 400, an expired context 404', async () => {
      const { body: context } = await create();
      const wrong = await chat({ context_id: context.id, model: 'gpt-4o', messages: [user('hi')] });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error).toMatchObject({ code: 'InvalidParameter', param: 'model', type: 'BadRequest' });
      await expireContext(fjord.db, context.id);
      const expired = await chat({ context_id: context.id, messages: [user('hi')] });
      expect(expired.status).toBe(404);
      expect(expired.body.error).toMatchObject({ code: 'ContextNotFound', type: 'NotFound' });
      expect(fake.chatRequests()).toHaveLength(0);
    });
  });

  describe('session mode', () => {
    it('sends the stored prefix plus history plus the new turn, and reports cached_tokens', async () => {
      const { body: context } = await create();
      const first = await chat({ context_id: context.id, messages: [user('How long is it?')] });
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({
        id: expect.stringMatching(/^chatcmpl-/),
        object: 'chat.completion',
        model: MODEL,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: How long is it?' }, finish_reason: 'stop', logprobs: null }],
      });
      expect(first.body.usage).toEqual({
        prompt_tokens: fakePromptTokens({ model: 'x', messages: [SYSTEM, user('How long is it?')] }),
        completion_tokens: expect.any(Number),
        total_tokens: first.body.usage.prompt_tokens + first.body.usage.completion_tokens,
        prompt_tokens_details: { cached_tokens: countMessagesTokens([SYSTEM]) },
        completion_tokens_details: { reasoning_tokens: 0 },
      });

      const second = await chat({ context_id: context.id, messages: [user('And how deep?')] });
      expect(second.body.choices[0].message.content).toBe('Echo: And how deep?');
      const sent = fake.chatRequests();
      expect(sent[0].model).toBe('ep-upstream-1');
      expect(sent[0].messages).toEqual([SYSTEM, user('How long is it?')]);
      const history = [SYSTEM, user('How long is it?'), { role: 'assistant', content: 'Echo: How long is it?' }];
      expect(sent[1].messages).toEqual([...history, user('And how deep?')]);
      expect(second.body.usage.prompt_tokens_details.cached_tokens).toBe(countMessagesTokens(history));
      expect(second.body.usage.prompt_tokens).toBe(countPromptTokens([...history, user('And how deep?')]));
    });

    it('keeps at most last_history_tokens of history, dropping the oldest turns whole', async () => {
      const turnTokens = countMessagesTokens([user('turn number 1'), { content: 'Echo: turn number 1' }]);
      const { body: context } = await create({ truncation_strategy: { type: 'last_history_tokens', last_history_tokens: turnTokens * 2 } });
      for (let i = 1; i <= 4; i++) await chat({ context_id: context.id, messages: [user(`turn number ${i}`)] });
      await chat({ context_id: context.id, messages: [user('turn number 5')] });
      const last = fake.chatRequests().at(-1)!;
      expect(last.messages).toEqual([
        SYSTEM,
        user('turn number 3'),
        { role: 'assistant', content: 'Echo: turn number 3' },
        user('turn number 4'),
        { role: 'assistant', content: 'Echo: turn number 4' },
        user('turn number 5'),
      ]);
      const { rows } = await fjord.db.query<{ tokens: number }>('SELECT coalesce(sum(tokens), 0)::int AS tokens FROM context_messages WHERE context_id = $1', [context.id]);
      expect(rows[0].tokens).toBeLessThanOrEqual(turnTokens * 2);
    });

    it('rolling_tokens drops the oldest turns as the window fills', async () => {
      const window = countMessagesTokens([SYSTEM]) + 3 * 12 + 60;
      const { body: context } = await create({ truncation_strategy: { type: 'rolling_tokens', rolling_tokens: true, max_window_tokens: window } });
      for (let i = 1; i <= 6; i++) {
        const reply = await chat({ context_id: context.id, messages: [user(`question ${i}`)], max_tokens: 20 });
        expect(reply.status).toBe(200);
      }
      const sent = fake.chatRequests();
      // The first turns carry their whole history; later ones had to drop the oldest turns.
      expect(sent[1].messages).toHaveLength(4);
      const last = sent.at(-1)!;
      expect(last.messages[0]).toEqual(SYSTEM);
      expect(last.messages.at(-1)).toEqual(user('question 6'));
      expect(last.messages.length).toBeLessThan(12);
      expect(last.messages[1]).toEqual(user(last.messages[1].content)); // history starts at a whole turn
      expect(countPromptTokens(last.messages as never) + 20).toBeLessThanOrEqual(window);
    });

    it('rolling_tokens false stops with finish_reason "length" when the window is full', async () => {
      const window = countMessagesTokens([SYSTEM]) + 40;
      const { body: context } = await create({ truncation_strategy: { type: 'rolling_tokens', rolling_tokens: false, max_window_tokens: window } });
      const first = await chat({ context_id: context.id, messages: [user('one two three')] });
      expect(first.status).toBe(200);
      // The reply was capped to the room left in the window.
      expect(fake.chatRequests()[0].max_tokens).toBe(window - countPromptTokens([SYSTEM, user('one two three')] as never));
      let last = first;
      for (let i = 0; i < 5 && last.body.choices[0].finish_reason !== 'length'; i++) {
        last = await chat({ context_id: context.id, messages: [user('four five six seven eight')] });
      }
      expect(last.body.choices[0]).toMatchObject({ finish_reason: 'length' });
      const callsBefore = fake.chatRequests().length;
      const full = await chat({ context_id: context.id, messages: [user('are you there?')] });
      expect(full.body.choices[0]).toEqual({ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'length', logprobs: null });
      expect(fake.chatRequests()).toHaveLength(callsBefore); // the model was not called
    });

    it('concurrent turns on one session context lose nothing', async () => {
      const { body: context } = await create({ truncation_strategy: { type: 'last_history_tokens', last_history_tokens: 100000 } });
      fake.options.latencyMs = 20;
      const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => chat({ context_id: context.id, messages: [user(`parallel ${i}`)] })));
      expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
      const { rows } = await fjord.db.query<{ turn: number; role: string; content: string }>(
        'SELECT turn, role, content FROM context_messages WHERE context_id = $1 ORDER BY turn, position',
        [context.id],
      );
      expect(rows).toHaveLength(24);
      for (let i = 0; i < 12; i++) {
        const at = rows.findIndex((r) => r.content === `parallel ${i}`);
        expect(at).toBeGreaterThanOrEqual(0);
        // Each turn's reply sits right after its own question, in the same turn.
        expect(rows[at + 1]).toEqual({ turn: rows[at].turn, role: 'assistant', content: `Echo: parallel ${i}` });
      }
      expect(new Set(rows.map((r) => r.turn)).size).toBe(12);
      await chat({ context_id: context.id, messages: [user('after')] });
      expect(fake.chatRequests().at(-1)!.messages).toHaveLength(1 + 24 + 1);
    });
  });

  describe('common_prefix mode', () => {
    it('never appends: every call sees only the stored prefix plus its own messages', async () => {
      const { body: context } = await create({ mode: 'common_prefix' });
      const a = await chat({ context_id: context.id, messages: [user('first question')] });
      const b = await chat({ context_id: context.id, messages: [user('second question')] });
      expect(a.status).toBe(200);
      expect(b.body.usage.prompt_tokens_details.cached_tokens).toBe(countMessagesTokens([SYSTEM]));
      expect(fake.chatRequests().map((r) => r.messages)).toEqual([
        [SYSTEM, user('first question')],
        [SYSTEM, user('second question')],
      ]);
      const { rows } = await fjord.db.query('SELECT 1 FROM context_messages WHERE context_id = $1', [context.id]);
      expect(rows).toHaveLength(0);
    });
  });

  describe('prefix contexts for fjord’s own callers (knowledge chat)', () => {
    it('getOrCreatePrefixContext reuses one context per (model, prefix), renews it, and yields cached_tokens', async () => {
      const contexts = fjord.app.get(ContextService);
      const prefix = [SYSTEM, { role: 'user' as const, content: '[1] Passage one about fjords.' }];
      const a = await contexts.getOrCreatePrefixContext(MODEL, prefix, 3600);
      const b = await contexts.getOrCreatePrefixContext(MODEL, prefix, 3600);
      const other = await contexts.getOrCreatePrefixContext(MODEL, [SYSTEM], 3600);
      expect(b.id).toBe(a.id);
      expect([a.created, b.created, other.created]).toEqual([true, false, true]);
      expect(other.id).not.toBe(a.id);
      expect(a.prefixTokens).toBe(countMessagesTokens(prefix));
      await expireContext(fjord.db, a.id);
      const revived = await contexts.getOrCreatePrefixContext(MODEL, prefix, 3600);
      expect(revived.id).toBe(a.id); // an expired, not yet swept prefix is renewed, not duplicated
      expect(revived.created).toBe(false);
      const completion = await contexts.chat({ context_id: a.id, model: MODEL, messages: [user('What is in passage one?')] });
      expect(completion.usage.cachedTokens).toBe(a.prefixTokens);
      expect(fake.chatRequests()[0].messages).toEqual([...prefix, user('What is in passage one?')]);
    });
  });

  describe('keys', () => {
    it('a bot-scoped key is 403 AccessDenied on the context API', async () => {
      const botKey = `bot-key-${Date.now()}-abcdefghijkl`;
      await fjord.db.query("INSERT INTO api_keys (id, key_hash, kind, bot_ids, expires_at) VALUES ($1, $2, 'bot', '{bot-x}', now() + interval '1 hour')", [`k-${Date.now()}`, hashApiKey(botKey)]);
      const response = await fjord.post('/api/v3/context/create', { model: MODEL, messages: [SYSTEM] }, { key: botKey });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: { code: 'AccessDenied', message: expect.any(String), param: '', type: 'Forbidden' } });
    });
  });

  describe('ttl', () => {
    it('each use resets the expiry to now + ttl; expired contexts are 404 and swept', async () => {
      const { body: context } = await create({ ttl: 7200 });
      const remaining = async () =>
        (await fjord.db.query<{ s: number }>('SELECT extract(epoch FROM expires_at - now())::float8 AS s FROM contexts WHERE id = $1', [context.id])).rows[0]?.s;
      expect(await remaining()).toBeGreaterThan(7190);
      // Ten seconds left, as if almost two hours had passed...
      await fjord.db.query("UPDATE contexts SET expires_at = now() + interval '10 seconds' WHERE id = $1", [context.id]);
      expect(await remaining()).toBeLessThan(11);
      // ...then a use slides it back to a full ttl.
      expect((await chat({ context_id: context.id, messages: [user('still there?')] })).status).toBe(200);
      expect(await remaining()).toBeGreaterThan(7190);

      await expireContext(fjord.db, context.id);
      expect((await chat({ context_id: context.id, messages: [user('and now?')] })).status).toBe(404);
      expect(await fjord.app.get(ContextSweeper).sweepOnce()).toBeGreaterThanOrEqual(1);
      expect(await remaining()).toBeUndefined();
    });
  });
});
