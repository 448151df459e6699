import { countTokens } from '@fjord/text';
import { FakeOpenAiServer, fakePromptTokens } from './support/fake-openai-server';
import { BACKENDS, TestStack, startTestStack } from './support/test-stack';
import { call, createBot, expireKey, mintKey, seedCollection, sseData } from './bots-harness';

/**
 * Bot chat (api.md section 3) over real HTTP: fjord in front of the fake OpenAI-compatible upstream,
 * on every backend. Request fields, the response and SSE formats, errors before and after a stream
 * started, client disconnects, and which keys may chat with which bot.
 */

const MODEL = 'Doubao-1.5-pro-32k';
const UPSTREAM = 'ep-upstream-1';
const DOCS = [
  { id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days when you send the receipt to the travel desk.' },
  { id: 'security', name: 'security.md', text: '# Security\n\nPasswords must be rotated every 90 days and never shared with colleagues.' },
];
const ASK = { role: 'user', content: 'How are train tickets refunded?' };
const REPLY = 'Send the receipt to the travel desk within 30 days [1]. See also [9].';
/** REPLY as the client sees it: [9] was never given to the model, so the citation is removed. */
const CLEANED = 'Send the receipt to the travel desk within 30 days [1]. See also.';

describe.each(BACKENDS)('bot chat on %s', (backend) => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;
  let plainBot: any;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ reply: () => REPLY });
    // No relevance floor: these tests cite every passage of a tiny corpus, weak ones included.
    stack = await startTestStack(backend, {
      KNOWLEDGE_CHAT_MIN_SCORE: '0',
      LLM_BASE_URL: fake.baseUrl,
      LLM_API_KEY: 'sk-upstream',
      LLM_MODEL_MAP: JSON.stringify({ [MODEL]: UPSTREAM }),
      LLM_MAX_RETRIES: '0',
    });
    await seedCollection(stack, 'handbook', DOCS);
    bot = await createBot(stack, {
      name: 'Handbook bot',
      model: MODEL,
      system_prompt: 'You are the handbook bot.',
      knowledge: { collections: [{ name: 'handbook' }], limit: 2 },
      parameters: { temperature: 0.2, max_new_tokens: 300, top_p: 0.9 },
    });
    plainBot = await createBot(stack, { name: 'Plain bot', model: MODEL, system_prompt: 'Be plain.' });
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset({ reply: () => REPLY }));

  const chat = (botId: string, body: Record<string, unknown>, key?: string | null) => call(stack, 'POST', `/api/v2/bots/${botId}/chat`, body, key ?? undefined);
  const rawChat = (botId: string, body: Record<string, unknown>, options: { key?: string; signal?: AbortSignal } = {}) =>
    fetch(`${stack.baseUrl}/api/v2/bots/${botId}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key ?? 'test-admin-key-0123456789'}` },
      body: JSON.stringify(body),
      signal: options.signal,
    });

  describe('non-streamed', () => {
    it('answers with references to the passages it was given, usage per model and per search, and error null', async () => {
      const { status, body, headers } = await chat(bot.id, { messages: [ASK] });
      expect(status).toBe(200);
      const upstream = fake.chatRequests();
      expect(upstream).toHaveLength(1);
      const refs = body.choices[0].message.references;
      expect(body).toEqual({
        req_id: headers.get('x-request-id'),
        choices: [{ index: 0, message: { role: 'assistant', content: CLEANED, references: refs }, finish_reason: 'stop' }],
        usage: {
          model_usage: [{ name: UPSTREAM, prompt_tokens: fakePromptTokens(upstream[0]), completion_tokens: countTokens(REPLY), total_tokens: fakePromptTokens(upstream[0]) + countTokens(REPLY) }],
          action_usage: [{ name: 'knowledge_search', search_count: 1, prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) }],
        },
        error: null,
      });
      // limit: 2 passages, the travel chunk first, each reference is a passage numbered in the prompt.
      expect(refs).toHaveLength(2);
      expect(refs[0]).toEqual({
        doc_id: 'travel',
        doc_name: 'travel.md',
        doc_type: 'md',
        chunk_id: expect.any(Number),
        chunk_title: 'Travel',
        collection_name: 'handbook',
        project: 'default',
        title: expect.any(String),
        summary: expect.stringContaining('Train tickets are refunded within 30 days'),
        score: expect.any(Number),
      });
      expect(refs[0].score).toBeGreaterThanOrEqual(refs[1].score);
      const prompt = upstream[0].messages[0].content;
      expect(upstream[0].messages[0].role).toBe('system');
      // references are exactly the numbered passages, in order.
      expect(prompt).toContain(`[1] ${refs[0].summary.slice(0, 40)}`);
      expect(prompt).toContain(`[2] ${refs[1].summary.slice(0, 40)}`);
      expect(prompt).not.toContain('[3] ');
    });

    it('sends the bot model, system prompt and default parameters upstream, request system messages after the bot prompt', async () => {
      await chat(bot.id, { messages: [{ role: 'system', content: 'Answer in French.' }, ASK] });
      const [sent] = fake.chatRequests();
      expect(sent.model).toBe(UPSTREAM);
      expect(sent).toMatchObject({ temperature: 0.2, max_tokens: 300, top_p: 0.9 });
      const system = sent.messages[0].content;
      expect(system.indexOf('You are the handbook bot.')).toBe(0);
      expect(system.indexOf('Answer in French.')).toBeGreaterThan(system.indexOf('You are the handbook bot.'));
      expect(sent.messages.filter((m) => m.role === 'system')).toHaveLength(1);
      expect(sent.messages[sent.messages.length - 1]).toEqual(ASK);
    });

    it('maps every request parameter, aliases included, over the bot defaults', async () => {
      const parameters = {
        max_tokens: 50,
        temperature: 1,
        top_p: 0.5,
        top_k: 40,
        repetition_penalty: 0.7,
        logprobs: true,
        top_logprobs: 2,
        logit_bias: { '1234': -100 },
        extra: { stop: ['END'], presence_penalty: 0.3, unknown_knob: 'ignored' },
      };
      const { status, body } = await chat(bot.id, { messages: [ASK], parameters });
      expect(status).toBe(200);
      const [sent] = fake.chatRequests();
      expect(sent).toMatchObject({ max_tokens: 50, temperature: 1, top_p: 0.5, frequency_penalty: 0.7, presence_penalty: 0.3, logprobs: true, top_logprobs: 2, logit_bias: { '1234': -100 }, stop: ['END'] });
      expect(sent).not.toHaveProperty('unknown_knob');
      expect(body.choices[0].logprobs.content.length).toBeGreaterThan(0);

      await chat(bot.id, { messages: [ASK], parameters: { max_new_tokens: 5, frequency_penalty: -0.5 } });
      expect(fake.chatRequests()[1]).toMatchObject({ max_tokens: 5, frequency_penalty: -0.5, temperature: 0.2 });
    });

    it('reports finish_reason length when max_new_tokens cuts the answer', async () => {
      const { body } = await chat(bot.id, { messages: [ASK], parameters: { max_new_tokens: 3 } });
      expect(body.choices[0].finish_reason).toBe('length');
    });

    it('uses earlier turns: a follow-up still retrieves and the whole conversation goes upstream', async () => {
      const messages = [ASK, { role: 'assistant', content: 'Within 30 days [1].' }, { role: 'user', content: 'And what do I send?' }];
      const { status, body } = await chat(bot.id, { messages });
      expect(status).toBe(200);
      expect(body.choices[0].message.references[0].doc_id).toBe('travel');
      expect(fake.chatRequests()[0].messages.slice(1)).toEqual(messages);
    });

    it('a bot whose collection was deleted afterwards answers 404 naming the collection', async () => {
      await seedCollection(stack, 'scratch', [{ id: 'note', name: 'note.txt', text: 'A short note about fjords.' }]);
      const orphan = await createBot(stack, { name: 'orphan', model: MODEL, knowledge: { collections: [{ name: 'scratch' }] } });
      expect((await stack.post('/api/knowledge/collection/delete', { name: 'scratch' })).status).toBe(200);
      const reply = await chat(orphan.id, { messages: [ASK] });
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual({ req_id: reply.headers.get('x-request-id'), error: { code: 'InvalidParameter', message: expect.stringContaining('scratch') } });
      expect(fake.chatRequests()).toHaveLength(0);
    });

    it('a bot without knowledge is a plain model call: no references, no search usage', async () => {
      const { status, body } = await chat(plainBot.id, { messages: [ASK] });
      expect(status).toBe(200);
      expect(body.choices[0].message).toEqual({ role: 'assistant', content: REPLY, references: [] });
      expect(body.usage.action_usage).toEqual([]);
      expect(fake.chatRequests()[0].messages).toEqual([{ role: 'system', content: 'Be plain.' }, ASK]);
    });
  });

  describe('streamed', () => {
    it('sends delta fragments, references in the first, finish_reason and usage in the last, then [DONE]', async () => {
      const response = await rawChat(bot.id, { messages: [ASK], stream: true });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const requestId = response.headers.get('x-request-id');
      const frames = sseData(await response.text()) as any[];
      expect(frames[frames.length - 1]).toBe('[DONE]');
      const fragments = frames.slice(0, -1);
      expect(fragments.length).toBeGreaterThan(2);
      for (const fragment of fragments) {
        expect(fragment.req_id).toBe(requestId);
        expect(fragment.choices).toHaveLength(1);
        expect(fragment.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant', content: expect.any(String) } });
      }
      expect(fragments[0].choices[0].message.references.map((r: any) => r.doc_id)[0]).toBe('travel');
      expect(fragments.slice(1).some((f: any) => 'references' in f.choices[0].message)).toBe(false);
      const last = fragments[fragments.length - 1];
      expect(last.choices[0].finish_reason).toBe('stop');
      expect(last.usage.model_usage[0]).toMatchObject({ name: UPSTREAM, completion_tokens: countTokens(REPLY) });
      expect(last.usage.action_usage).toEqual([expect.objectContaining({ name: 'knowledge_search', search_count: 1 })]);
      expect(fragments.slice(0, -1).every((f: any) => f.choices[0].finish_reason === null && f.usage === undefined)).toBe(true);
      const text = fragments.map((f: any) => f.choices[0].message.content).join('');
      expect(text).toBe(CLEANED);
    });

    it('an error before streaming is a non-200 JSON body: upstream 429 keeps its Retry-After, an unknown bot is 404', async () => {
      fake.failNext({ status: 429, retryAfter: 7 });
      const limited = await rawChat(bot.id, { messages: [ASK], stream: true });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('content-type')).toMatch(/^application\/json/);
      expect(limited.headers.get('retry-after')).toBe('7');
      expect(await limited.json()).toEqual({ req_id: limited.headers.get('x-request-id'), error: { code: 'RateLimitExceeded', message: expect.any(String) } });

      fake.failNext({ status: 500 });
      const broken = await rawChat(plainBot.id, { messages: [ASK], stream: true });
      expect(broken.status).toBe(502);
      expect(((await broken.json()) as any).error.code).toBe('UpstreamError');

      const missing = await rawChat('bot-20260101000000-0000000000000000', { messages: [ASK], stream: true });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ req_id: missing.headers.get('x-request-id'), error: { code: 'InvalidEndpointOrModel.NotFound', message: expect.stringContaining('does not exist') } });
    });

    it('an error after streaming started ends the 200 stream with an error fragment and no [DONE]', async () => {
      fake.reset({ reply: () => 'one two three four five six seven eight nine ten', wordsPerChunk: 1, chunkDelayMs: 5 });
      fake.failNext({ breakAfterChunks: 3 });
      const response = await rawChat(plainBot.id, { messages: [ASK], stream: true });
      expect(response.status).toBe(200);
      const frames = sseData(await response.text()) as any[];
      expect(frames).not.toContain('[DONE]');
      const last = frames[frames.length - 1];
      expect(last).toEqual({ req_id: response.headers.get('x-request-id'), error: { code: 'UpstreamError', message: expect.any(String) } });
      expect(frames.length).toBeGreaterThanOrEqual(2);
      expect(frames[0].choices[0].message.content).toBe('one ');
    });

    it('a client that disconnects aborts the upstream call', async () => {
      fake.reset({ reply: () => Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), wordsPerChunk: 1, chunkDelayMs: 20 });
      const abort = new AbortController();
      const response = await rawChat(plainBot.id, { messages: [ASK], stream: true }, { signal: abort.signal });
      const reader = response.body!.getReader();
      await reader.read();
      abort.abort();
      const deadline = Date.now() + 5000;
      while (!fake.chatRequests().length || !(await upstreamAborted(fake))) {
        if (Date.now() > deadline) throw new Error('upstream request was not aborted');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  });

  describe('validation', () => {
    const invalid: Array<[string, Record<string, unknown>, string]> = [
      ['no messages', {}, 'messages'],
      ['empty messages', { messages: [] }, 'messages'],
      ['a last message that is not from the user', { messages: [ASK, { role: 'assistant', content: 'x' }] }, 'messages'],
      ['an unknown role', { messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.role'],
      ['temperature 0', { messages: [ASK], parameters: { temperature: 0 } }, 'parameters.temperature'],
      ['temperature above 1', { messages: [ASK], parameters: { temperature: 1.2 } }, 'parameters.temperature'],
      ['conflicting max_new_tokens/max_tokens', { messages: [ASK], parameters: { max_new_tokens: 1, max_tokens: 2 } }, 'parameters.max_tokens'],
      ['a non-boolean stream', { messages: [ASK], stream: 'yes' }, 'stream'],
    ];
    it.each(invalid)('refuses %s with a 400 {req_id, error}', async (_label, body, field) => {
      const reply = await chat(bot.id, body);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ req_id: reply.headers.get('x-request-id'), error: { code: expect.stringMatching(/^(InvalidParameter|MissingParameter)$/), message: expect.stringContaining(field) } });
      expect(fake.chatRequests()).toHaveLength(0);
    });

    it('refuses a model not in LLM_MODEL_MAP when no LLM_MODEL default is set', async () => {
      const reply = await call(stack, 'POST', '/api/v2/bots', { name: 'x', model: 'gpt-unknown' });
      expect(reply.status).toBe(404);
      expect(reply.body.error.message).toContain('gpt-unknown');
    });
  });

  describe('temporary keys', () => {
    it('chat only with the bots they name, until they expire', async () => {
      const key = await mintKey(stack, [bot.id]);
      const own = await chat(bot.id, { messages: [ASK] }, key);
      expect(own.status).toBe(200);
      expect(own.body.choices[0].message.references[0].doc_id).toBe('travel');

      const streamed = await rawChat(bot.id, { messages: [ASK], stream: true }, { key });
      expect(streamed.status).toBe(200);
      expect(sseData(await streamed.text()).pop()).toBe('[DONE]');

      fake.reset({ reply: () => REPLY });
      for (const stream of [false, true]) {
        const other = await rawChat(plainBot.id, { messages: [ASK], stream }, { key });
        expect(other.status).toBe(403);
        expect(await other.json()).toEqual({ req_id: other.headers.get('x-request-id'), error: { code: 'AccessDenied', message: `this key may not chat with bot ${plainBot.id}` } });
      }
      // A key naming a bot that was deleted afterwards: 404, not a crash.
      const doomed = await createBot(stack, { name: 'doomed', model: MODEL });
      const doomedKey = await mintKey(stack, [doomed.id]);
      await call(stack, 'DELETE', `/api/v2/bots/${doomed.id}`);
      expect((await chat(doomed.id, { messages: [ASK] }, doomedKey)).status).toBe(404);
      expect(fake.chatRequests()).toHaveLength(0);

      await expireKey(stack, key);
      const expired = await chat(bot.id, { messages: [ASK] }, key);
      expect(expired.status).toBe(401);
      expect(expired.body.error).toEqual({ code: 'AuthenticationError', message: 'API key has expired' });
    });

    it('a key for several bots chats with each of them', async () => {
      const key = await mintKey(stack, [bot.id, plainBot.id]);
      expect((await chat(bot.id, { messages: [ASK] }, key)).status).toBe(200);
      expect((await chat(plainBot.id, { messages: [ASK] }, key)).status).toBe(200);
    });
  });
});

async function upstreamAborted(fake: FakeOpenAiServer): Promise<boolean> {
  // The recorded request objects are internal; a request that was aborted never finished.
  const requests = (fake as unknown as { requests: Array<{ path: string; aborted: boolean }> }).requests;
  return requests.some((r) => r.path.endsWith('/chat/completions') && r.aborted);
}
