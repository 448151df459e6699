import OpenAI from 'openai';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';
import { call, createBot, mintKey, seedCollection, sseData } from './bots-harness';

/**
 * Ark's bot chat as the Ark runtime SDK sends it (`base_url=http://host/api/v3`):
 * `bot_chat.completions.create` -> POST /api/v3/bots/chat/completions, and `chat.completions.create`
 * with a bot id -> POST /api/v3/chat/completions. Top-level `references` and `bot_usage`.
 * The route is the same on both backends (bot chat itself is tested on both), so embedded is enough.
 */

const MODEL = 'Doubao-1.5-pro-32k';
const REPLY = 'Refunds need the receipt [1].';
const ASK = { role: 'user' as const, content: 'How are train tickets refunded?' };

describe('Ark bot chat (/api/v3/bots/chat/completions)', () => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;
  let other: any;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ reply: () => REPLY });
    stack = await startTestStack('embedded', { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0' });
    await seedCollection(stack, 'handbook', [{ id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days when you send the receipt.' }]);
    bot = await createBot(stack, { name: 'Handbook', model: MODEL, knowledge: { collections: [{ name: 'handbook' }], limit: 1 } });
    other = await createBot(stack, { name: 'Other', model: MODEL });
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it.each(['/api/v3/bots/chat/completions', '/api/v3/chat/completions'])('%s answers a chat.completion with top-level references and bot_usage', async (path) => {
    const reply = await call(stack, 'POST', path, { model: bot.id, messages: [ASK] });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: bot.id,
      choices: [{ index: 0, message: { role: 'assistant', content: REPLY }, finish_reason: 'stop', logprobs: null }],
      usage: expect.objectContaining({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) }),
      references: [expect.objectContaining({ doc_id: 'travel', doc_name: 'travel.md', collection_name: 'handbook', project: 'default', chunk_id: expect.any(String), summary: expect.stringContaining('Train tickets') })],
      bot_usage: {
        model_usage: [{ name: expect.any(String), prompt_tokens: reply.body.usage.prompt_tokens, completion_tokens: reply.body.usage.completion_tokens, total_tokens: reply.body.usage.total_tokens }],
        action_usage: [expect.objectContaining({ name: 'knowledge_search', search_count: 1 })],
      },
    });
  });

  it('streams chat.completion.chunks: references on the first, bot_usage with the usage chunk, then [DONE]', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v3/bots/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: bot.id, messages: [ASK], stream: true, stream_options: { include_usage: true } }),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const frames = sseData(await response.text()) as any[];
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1);
    for (const chunk of chunks) expect(chunk.object).toBe('chat.completion.chunk');
    expect(chunks[0].references).toEqual([expect.objectContaining({ doc_id: 'travel', chunk_id: expect.any(String) })]);
    expect(chunks.slice(1).some((chunk) => chunk.references)).toBe(false);
    expect(chunks.some((chunk) => chunk.choices[0]?.delta?.references)).toBe(false);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(REPLY);
    const usageChunk = chunks.at(-1);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.total_tokens).toBeGreaterThan(0);
    expect(usageChunk.bot_usage.model_usage[0].total_tokens).toBe(usageChunk.usage.total_tokens);
    expect(usageChunk.bot_usage.action_usage[0]).toMatchObject({ name: 'knowledge_search', search_count: 1 });
  });

  it('without include_usage, bot_usage rides on the finishing chunk', async () => {
    const response = await fetch(`${stack.baseUrl}/api/v3/bots/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: bot.id, messages: [ASK], stream: true }),
    });
    const chunks = (sseData(await response.text()) as any[]).slice(0, -1);
    const finishing = chunks.find((chunk) => chunk.choices[0]?.finish_reason === 'stop');
    expect(finishing.bot_usage.model_usage).toHaveLength(1);
    expect(chunks.filter((chunk) => chunk.bot_usage)).toHaveLength(1);
  });

  it('works through the official openai client pointed at /api/v3, stream and non-stream', async () => {
    const client = new OpenAI({ baseURL: `${stack.baseUrl}/api/v3`, apiKey: TEST_ADMIN_KEY, maxRetries: 0 });
    const completion = (await client.chat.completions.create({ model: bot.id, messages: [ASK] })) as OpenAI.ChatCompletion & { references: unknown[]; bot_usage: unknown };
    expect(completion.choices[0].message.content).toBe(REPLY);
    expect(completion.references).toHaveLength(1);
    expect(completion.bot_usage).toBeDefined();
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: bot.id, messages: [ASK], stream: true })) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(REPLY);
  });

  it('scopes temporary keys as bot chat does, and answers errors in the Ark envelope', async () => {
    const key = await mintKey(stack, [bot.id]);
    expect((await call(stack, 'POST', '/api/v3/bots/chat/completions', { model: bot.id, messages: [ASK] }, key)).status).toBe(200);
    const forbidden = await call(stack, 'POST', '/api/v3/bots/chat/completions', { model: other.id, messages: [ASK] }, key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ code: 'AccessDenied', message: `this key may not chat with bot ${other.id}` });
    const unknown = await call(stack, 'POST', '/api/v3/chat/completions', { model: 'ep-20240101-abc', messages: [ASK] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('InvalidEndpointOrModel.NotFound');
    const unauthenticated = await call(stack, 'POST', '/api/v3/bots/chat/completions', { model: bot.id, messages: [ASK] }, 'wrong-key');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.error).toMatchObject({ code: 'AuthenticationError', type: 'Unauthorized' });
  });
});
