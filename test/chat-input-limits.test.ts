import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';
import { call, createBot, mintKey, seedCollection } from './bots-harness';

/**
 * Chat input on every route family: a per-request cap on message text, refused before any model,
 * tokenizer or retrieval work in the family's own envelope; and large messages within the cap
 * counted off the event loop, so a temporary key cannot freeze the API.
 */

const MODEL = 'Doubao-1.5-pro-32k';

function randomLetters(length: number): string {
  let state = 3;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    text += String.fromCharCode(97 + (state % 26));
  }
  return text;
}

describe('chat input on every route family (embedded)', () => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;
  let botKey: string;
  // The default caps (one character more is refused), one stack for the whole suite.
  const CAP = { openai: 131_072, bot: 131_072, knowledge: 131_072, context: 524_288 };

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    stack = await startTestStack('embedded', { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0' });
    expect(stack.config.chatInputLimits).toEqual(CAP);
    await seedCollection(stack, 'handbook', [{ id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days when you send the receipt.' }]);
    bot = await createBot(stack, { name: 'Plain', model: MODEL });
    botKey = await mintKey(stack, [bot.id]);
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset());

  // Two messages that together pass the cap by one character, one of them as OpenAI text parts.
  const overCap = (cap: number) => [
    { role: 'system', content: [{ type: 'text', text: 'x'.repeat(cap / 2) }] },
    { role: 'user', content: 'y'.repeat(cap / 2 + 1) },
  ];
  const atCap = (cap: number) => [
    { role: 'system', content: 'x'.repeat(cap / 2) },
    { role: 'user', content: 'y '.repeat(cap / 4) },
  ];

  it('/v1/chat/completions: 400 InvalidParameter in the Ark envelope, the model never called', async () => {
    const refused = await call(stack, 'POST', '/v1/chat/completions', { model: bot.id, messages: overCap(CAP.openai) }, botKey);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: { code: 'InvalidParameter', type: 'BadRequest', param: 'messages', message: expect.stringContaining('OPENAI_CHAT_MAX_INPUT_CHARS') },
    });
    expect(fake.chatRequests()).toHaveLength(0);
    const accepted = await call(stack, 'POST', '/v1/chat/completions', { model: bot.id, messages: atCap(CAP.openai) }, botKey);
    expect(accepted.status).toBe(200);
  });

  it('bot chat: 400 in the bot envelope', async () => {
    const refused = await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, { messages: overCap(CAP.bot) }, botKey);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ req_id: expect.any(String), error: { code: 'InvalidParameter', message: expect.stringContaining('BOT_CHAT_MAX_INPUT_CHARS') } });
    expect(fake.chatRequests()).toHaveLength(0);
    expect((await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, { messages: atCap(CAP.bot) }, botKey)).status).toBe(200);
  });

  it('Ark bot chat (/api/v3/bots/chat/completions): the bot cap, 400 in the Ark envelope', async () => {
    const refused = await call(stack, 'POST', '/api/v3/bots/chat/completions', { model: bot.id, messages: overCap(CAP.bot) }, botKey);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'InvalidParameter', param: 'messages', message: expect.stringContaining('BOT_CHAT_MAX_INPUT_CHARS') });
    expect(fake.chatRequests()).toHaveLength(0);
    expect((await call(stack, 'POST', '/api/v3/bots/chat/completions', { model: bot.id, messages: atCap(CAP.bot) }, botKey)).status).toBe(200);
  });

  it('context create and context chat: 400 in the Ark envelope, nothing stored', async () => {
    const created = await stack.post('/api/v3/context/create', { model: MODEL, messages: overCap(CAP.context) });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code: 'InvalidParameter', param: 'messages', message: expect.stringContaining('CONTEXT_MAX_INPUT_CHARS') });
    const context = await stack.post('/api/v3/context/create', { model: MODEL, mode: 'session', messages: [{ role: 'system', content: 'Be short.' }] });
    expect(context.status).toBe(200);
    const chat = await stack.post('/api/v3/context/chat/completions', { model: MODEL, context_id: context.body.id, messages: overCap(CAP.context) });
    expect(chat.status).toBe(400);
    expect(chat.body.error).toMatchObject({ code: 'InvalidParameter', param: 'messages' });
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('knowledge chat: 400 with Viking code 1000003', async () => {
    const refused = await stack.post('/api/knowledge/chat/completions', { model: MODEL, messages: overCap(CAP.knowledge) });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 1000003, message: expect.stringContaining('KNOWLEDGE_CHAT_MAX_INPUT_CHARS') });
    expect(fake.chatRequests()).toHaveLength(0);
  });

  // 130,000 letters without a space from the least trusted caller froze the API for ~14 s when
  // token counting was quadratic and ran on the event loop. The API runs in this process, so the
  // event loop's own delay is measured: it is what froze, and unlike a health check's wall time it
  // does not grow with how busy the shared machine is. The bound is loose on purpose.
  it('a temporary key sending 130,000 unbroken letters leaves the API answering health checks', async () => {
    const knowledgeBot = await createBot(stack, { name: 'Handbook', model: MODEL, knowledge: { collections: [{ name: 'handbook' }], limit: 1 } });
    const key = await mintKey(stack, [knowledgeBot.id]);
    fake.reset({ reply: () => 'Refunds need the receipt [1].' });
    const message = randomLetters(130_000);
    let done = false;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const chat = call(stack, 'POST', '/v1/chat/completions', { model: knowledgeBot.id, messages: [{ role: 'user', content: message }] }, key).finally(() => {
      done = true;
    });
    const healthStatuses: number[] = [];
    while (!done) {
      const health = await fetch(`${stack.baseUrl}/health`);
      await health.text();
      healthStatuses.push(health.status);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const reply = await chat;
    loopDelay.disable();
    expect(reply.status).toBe(200);
    expect(reply.body.usage.prompt_tokens).toBeGreaterThan(50_000);
    expect(healthStatuses.length).toBeGreaterThan(0);
    expect(healthStatuses.every((status) => status === 200)).toBe(true);
    expect(loopDelay.max / 1e6).toBeLessThan(2_000);
    // The admin key gets the same cap as anyone on this door.
    const over = await call(stack, 'POST', '/v1/chat/completions', { model: knowledgeBot.id, messages: [{ role: 'user', content: randomLetters(131_073) }] }, TEST_ADMIN_KEY);
    expect(over.status).toBe(400);
    expect(fake.chatRequests()).toHaveLength(1);
  });
});
