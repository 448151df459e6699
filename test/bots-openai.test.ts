import { ChatOpenAI } from '@langchain/openai';
import OpenAI, { APIError } from 'openai';
import { countTokens } from '@fjord/text';
import { FakeOpenAiServer, fakePromptTokens } from './support/fake-openai-server';
import { BACKENDS, TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';
import { call, createBot, expireKey, mintKey, seedCollection, sseData } from './bots-harness';

/**
 * The OpenAI-compatible door (api.md section 4): bots as models under /v1, used through the official
 * `openai` client and LangChain's ChatOpenAI, with fjord in front of the fake upstream.
 */

const MODEL = 'Doubao-1.5-pro-32k';
const REPLY = 'Refunds need the receipt [1].';
const ASK = { role: 'user' as const, content: 'How are train tickets refunded?' };

describe.each(BACKENDS)('OpenAI-compatible bot door on %s', (backend) => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;
  let other: any;
  const client = (apiKey = TEST_ADMIN_KEY) => new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey, maxRetries: 0 });

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ reply: () => REPLY });
    stack = await startTestStack(backend, { LLM_BASE_URL: fake.baseUrl, LLM_MODEL_MAP: JSON.stringify({ [MODEL]: 'ep-1' }), LLM_MAX_RETRIES: '0' });
    await seedCollection(stack, 'handbook', [
      { id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days when you send the receipt.' },
      { id: 'security', name: 'security.md', text: '# Security\n\nPasswords are rotated every 90 days.' },
    ]);
    bot = await createBot(stack, { name: 'Handbook', model: MODEL, knowledge: { collections: [{ name: 'handbook' }], limit: 1 }, parameters: { temperature: 0.4 } });
    other = await createBot(stack, { name: 'Other', model: MODEL });
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset({ reply: () => REPLY }));

  it('answers a chat.completion through the openai client, with references as an extension', async () => {
    const completion = await client().chat.completions.create({ model: bot.id, messages: [{ role: 'system', content: 'Be short.' }, ASK], max_tokens: 100, temperature: 0.9 });
    const [sent] = fake.chatRequests();
    expect(completion).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: bot.id,
      choices: [{ index: 0, message: { role: 'assistant', content: REPLY, references: [expect.objectContaining({ doc_id: 'travel', collection_name: 'handbook' })] }, finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: fakePromptTokens(sent),
        completion_tokens: countTokens(REPLY),
        total_tokens: fakePromptTokens(sent) + countTokens(REPLY),
        prompt_tokens_details: { cached_tokens: expect.any(Number) },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(sent).toMatchObject({ model: 'ep-1', max_tokens: 100, temperature: 0.9 });
    expect(sent.messages[0].content).toContain('Be short.');
  });

  it('reports cached_tokens when a second call retrieves the same passages', async () => {
    await client().chat.completions.create({ model: bot.id, messages: [ASK] });
    const second = await client().chat.completions.create({ model: bot.id, messages: [ASK] });
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThan(0);
  });

  it('streams chat.completion.chunk frames through the openai client, usage last with include_usage', async () => {
    const stream = await client().chat.completions.create({ model: bot.id, messages: [ASK], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === bot.id && c.id === chunks[0].id)).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect((chunks[0].choices[0].delta as any).references[0].doc_id).toBe('travel');
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe(REPLY);
    const finish = chunks[chunks.length - 2];
    expect(finish.choices[0].finish_reason).toBe('stop');
    const usage = chunks[chunks.length - 1];
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ completion_tokens: countTokens(REPLY) });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('streams raw SSE ending with data: [DONE], and no usage frame without include_usage', async () => {
    const response = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ model: other.id, messages: [ASK], stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const frames = sseData(await response.text()) as any[];
    expect(frames.pop()).toBe('[DONE]');
    expect(frames.every((f) => f.choices.length === 1 && !('usage' in f))).toBe(true);
    expect(frames[frames.length - 1].choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop', logprobs: null });
    expect(frames.map((f) => f.choices[0].delta.content ?? '').join('')).toBe(REPLY);
  });

  it('works with LangChain ChatOpenAI, invoke and stream', async () => {
    const model = new ChatOpenAI({ model: bot.id, apiKey: TEST_ADMIN_KEY, configuration: { baseURL: `${stack.baseUrl}/v1` }, maxRetries: 0 });
    const message = await model.invoke([['human', ASK.content]]);
    expect(message.content).toBe(REPLY);
    expect(message.usage_metadata?.output_tokens).toBe(countTokens(REPLY));
    let streamed = '';
    for await (const chunk of await model.stream([['human', ASK.content]])) streamed += String(chunk.content);
    expect(streamed).toBe(REPLY);
  });

  it('lists bots as models: all for the admin, only its own for a temporary key', async () => {
    const all = await client().models.list();
    const ids = all.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining([bot.id, other.id]));
    expect(all.data.find((m) => m.id === bot.id)).toEqual({ id: bot.id, object: 'model', created: Math.floor(bot.create_time / 1000), owned_by: 'fjord', name: 'Handbook' });
    const key = await mintKey(stack, [bot.id]);
    const mine = await client(key).models.list();
    expect(mine.data.map((m) => m.id)).toEqual([bot.id]);
  });

  it('a temporary key chats only with its bots, until it expires', async () => {
    const key = await mintKey(stack, [bot.id]);
    const own = await client(key).chat.completions.create({ model: bot.id, messages: [ASK] });
    expect(own.choices[0].message.content).toBe(REPLY);

    const refused = await client(key).chat.completions.create({ model: other.id, messages: [ASK] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(403);
    expect((refused as APIError).error).toMatchObject({ code: 'AccessDenied', type: 'Forbidden' });

    const streamRefused = await client(key).chat.completions.create({ model: other.id, messages: [ASK], stream: true }).catch((e: unknown) => e);
    expect((streamRefused as APIError).status).toBe(403);

    // Not the context API under the same /v1 prefix either.
    const context = await call(stack, 'POST', '/v1/context/create', { model: MODEL, messages: [{ role: 'system', content: 'x' }] }, key);
    expect(context.status).toBe(403);

    await expireKey(stack, key);
    const expired = await client(key).models.list().catch((e: unknown) => e);
    expect((expired as APIError).status).toBe(401);
  });

  it('refuses what it cannot serve in OpenAI error format', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ model: 'gpt-4o', messages: [ASK] }, 404, 'InvalidEndpointOrModel.NotFound'],
      [{ model: 'bot-20260101000000-0000000000000000', messages: [ASK] }, 404, 'InvalidEndpointOrModel.NotFound'],
      [{ model: bot.id, messages: [] }, 400, 'InvalidParameter'],
      [{ messages: [ASK] }, 400, 'MissingParameter'],
      [{ model: bot.id, messages: [ASK], n: 2 }, 400, 'InvalidParameter'],
      [{ model: bot.id, messages: [ASK], temperature: 3 }, 400, 'InvalidParameter'],
      [{ model: bot.id, messages: [ASK], tools: [{ type: 'function', function: { name: 'f' } }] }, 400, 'InvalidParameter'],
      [{ model: bot.id, messages: [ASK, { role: 'assistant', content: 'x' }] }, 400, 'InvalidParameter'],
    ];
    for (const [body, status, code] of cases) {
      const reply = await call(stack, 'POST', '/v1/chat/completions', body);
      expect({ body, status: reply.status, code: reply.body.error?.code }).toEqual({ body, status, code });
      expect(reply.body.error).toEqual({ code, message: expect.any(String), param: expect.any(String), type: expect.any(String) });
    }
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('an upstream failure before the first token is an HTTP error; after it, an error frame ends the stream', async () => {
    fake.failNext({ status: 429, retryAfter: 3 });
    const limited = await client().chat.completions.create({ model: other.id, messages: [ASK], stream: true }).catch((e: unknown) => e);
    expect((limited as APIError).status).toBe(429);
    expect((limited as APIError).headers?.get('retry-after')).toBe('3');

    fake.reset({ reply: () => 'a b c d e f g h', wordsPerChunk: 1, chunkDelayMs: 5 });
    fake.failNext({ breakAfterChunks: 2 });
    const response = await fetch(`${stack.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ model: other.id, messages: [ASK], stream: true }),
    });
    expect(response.status).toBe(200);
    const frames = sseData(await response.text()) as any[];
    expect(frames).not.toContain('[DONE]');
    expect(frames[frames.length - 1]).toEqual({ error: { code: 'UpstreamError', message: expect.any(String), param: '', type: 'BadGateway' } });
  });

  it('leaves the Ark context API under /v1/context working', async () => {
    const created = await call(stack, 'POST', '/v1/context/create', { model: MODEL, messages: [{ role: 'system', content: 'You are terse.' }] });
    expect(created.status).toBe(200);
    const chat = await call(stack, 'POST', '/v1/context/chat/completions', { model: MODEL, context_id: created.body.id, messages: [ASK] });
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ object: 'chat.completion', choices: [{ message: { content: REPLY } }] });
  });
});
