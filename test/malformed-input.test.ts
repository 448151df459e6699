import { FakeOpenAiServer } from './support/fake-openai-server';
import { TestStack, startTestStack } from './support/test-stack';
import { call, createBot } from './bots-harness';

/**
 * Malformed input that used to reach the database or the model and come back as a 500: each is a
 * 400 in its API family's envelope, and nothing is stored or sent upstream.
 */

const MODEL = 'Doubao-1.5-pro-32k';
const NUL_NAME = '{"name":"hand\\u0000book"}';
const deep = (levels: number) => `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(levels)}${']'.repeat(levels)}}`;

describe('malformed input (embedded)', () => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    stack = await startTestStack('embedded', { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0' });
    bot = await createBot(stack, { name: 'Plain', model: MODEL });
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  it('a NUL character in a JSON string: 400 in every family, nothing stored', async () => {
    const viking = await stack.post('/api/knowledge/collection/create', NUL_NAME);
    expect(viking).toMatchObject({ status: 400, body: { code: 1000003, message: expect.stringMatching(/NUL/) } });
    const list = await stack.post('/api/knowledge/collection/list', {});
    expect(JSON.stringify(list.body.data)).not.toContain('hand');

    const docAdd = await stack.post('/api/knowledge/doc/add', '{"collection_name":"x","add_type":"text","content":"a\\u0000b"}');
    expect(docAdd).toMatchObject({ status: 400, body: { code: 1000003 } });

    const context = await stack.post('/api/v3/context/create', `{"model":"${MODEL}","messages":[{"role":"system","content":"be \\u0000 short"}]}`);
    expect(context.status).toBe(400);
    expect(context.body.error).toMatchObject({ code: 'InvalidParameter', type: 'BadRequest', message: expect.stringMatching(/NUL/) });

    const botChat = await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, '{"messages":[{"role":"user","content":"\\u0000"}]}');
    expect(botChat).toMatchObject({ status: 400, body: { req_id: expect.any(String), error: { code: 'InvalidParameter', message: expect.stringMatching(/NUL/) } } });

    const openAi = await call(stack, 'POST', '/v1/chat/completions', `{"model":"${bot.id}","messages":[{"role":"user","content":"\\u0000"}]}`);
    expect(openAi.status).toBe(400);
    expect(openAi.body.error.code).toBe('InvalidParameter');
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('text that only looks like a NUL escape (an escaped backslash) is stored as written', async () => {
    const created = await stack.post('/api/knowledge/collection/create', { name: 'escapes', description: 'a \\u0000 b' });
    expect(created.status).toBe(200);
    const info = await stack.post('/api/knowledge/collection/info', { collection_name: 'escapes' });
    expect(info.body.data.description).toBe('a \\u0000 b');
  });

  it('deeply nested JSON: 400 in every family before anything walks it', async () => {
    for (const levels of [65, 20_000]) {
      const viking = await stack.post('/api/knowledge/collection/search_knowledge', `{"collection_name":"x","query":"q","query_param":{"doc_filter":${'['.repeat(levels)}${']'.repeat(levels)}}}`);
      expect(viking).toMatchObject({ status: 400, body: { code: 1000003, message: expect.stringMatching(/nested deeper than 64/) } });
      const ark = await stack.post('/api/v3/context/chat/completions', deep(levels));
      expect(ark.status).toBe(400);
      expect(ark.body.error).toMatchObject({ code: 'InvalidParameter', message: expect.stringMatching(/nested deeper/) });
      const botChat = await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, deep(levels));
      expect(botChat).toMatchObject({ status: 400, body: { error: { code: 'InvalidParameter' } } });
    }
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('a context turn with 32,768 messages is refused before the model is called, and the context stays usable', async () => {
    const context = await stack.post('/api/v3/context/create', { model: MODEL, mode: 'session', messages: [{ role: 'system', content: 'Be short.' }] });
    expect(context.status).toBe(200);
    const messages = Array.from({ length: 32_768 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' }));
    messages.push({ role: 'user', content: 'and now?' });
    const refused = await stack.post('/api/v3/context/chat/completions', { model: MODEL, context_id: context.body.id, messages });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'InvalidParameter', param: 'messages', message: expect.stringContaining('at most 10000') });
    expect(fake.chatRequests()).toHaveLength(0);
    const next = await stack.post('/api/v3/context/chat/completions', { model: MODEL, context_id: context.body.id, messages: [{ role: 'user', content: 'hello' }] });
    expect(next.status).toBe(200);
    expect(fake.chatRequests()).toHaveLength(1);
  });
});
