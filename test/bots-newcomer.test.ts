import { EXTRACTIVE_MODEL_NAME } from '@fjord/llm';
import OpenAI from 'openai';
import { BACKENDS, TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';
import { GET_API_KEY, call, seedCollection, sseData } from './bots-harness';

/**
 * The "done when" on the embedded defaults (the local extractive answerer, no upstream): a
 * newcomer creates a collection and documents, a bot over them, chats with curl-like requests
 * (streaming and not), checks the references, mints a temporary key and uses it, and points an
 * OpenAI client at /v1.
 */
describe.each(BACKENDS)('a newcomer with the local extractive model on %s', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('creates a bot over a collection, chats with it, and hands out a key for it', async () => {
    await seedCollection(stack, 'handbook', [
      { id: 'expenses', name: 'expenses.md', text: '# Expenses\n\nHotel costs are reimbursed up to 150 euros per night. Submit hotel invoices within two weeks.' },
      { id: 'holidays', name: 'holidays.md', text: '# Holidays\n\nEvery employee has 28 days of paid holiday per year. Unused days expire in March.' },
      { id: 'laptops', name: 'laptops.md', text: '# Laptops\n\nLaptops are replaced every three years by the IT service desk.' },
    ]);
    const created = await call(stack, 'POST', '/api/v2/bots', { name: 'HR helper', model: 'Doubao-1.5-pro-32k', system_prompt: 'Answer HR questions.', knowledge: { collections: [{ name: 'handbook' }], limit: 3 } });
    expect(created.status).toBe(200);
    const botId: string = created.body.id;

    // curl -d '{"messages":[...]}' /api/v2/bots/$BOT/chat
    const question = { role: 'user', content: 'How many days of paid holiday does an employee have?' };
    const answer = await call(stack, 'POST', `/api/v2/bots/${botId}/chat`, { messages: [question] });
    expect(answer.status).toBe(200);
    const message = answer.body.choices[0].message;
    expect(message.content).toContain('28 days of paid holiday');
    // The answer cites the passage it quoted; that citation's reference is the holidays document.
    const cited = [...message.content.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(cited.length).toBeGreaterThan(0);
    for (const n of cited) expect(n).toBeLessThanOrEqual(message.references.length);
    const source = message.references[cited[0] - 1];
    expect(source).toMatchObject({ doc_id: 'holidays', doc_name: 'holidays.md', collection_name: 'handbook', project: 'default' });
    expect(source.summary).toContain('28 days of paid holiday');
    expect(answer.body.usage.model_usage[0].name).toBe(EXTRACTIVE_MODEL_NAME);
    expect(answer.body.usage.action_usage).toEqual([expect.objectContaining({ name: 'knowledge_search', search_count: 1 })]);

    // curl -N ... "stream": true
    const streamed = await fetch(`${stack.baseUrl}/api/v2/bots/${botId}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'How much is reimbursed for a hotel night?' }], stream: true }),
    });
    expect(streamed.status).toBe(200);
    const frames = sseData(await streamed.text()) as any[];
    expect(frames.pop()).toBe('[DONE]');
    const streamedText = frames.map((f) => f.choices[0].message.content).join('');
    expect(streamedText).toContain('150 euros per night');
    const streamedCite = Number(/\[(\d+)\]/.exec(streamedText)?.[1]);
    expect(frames[0].choices[0].message.references[streamedCite - 1].doc_id).toBe('expenses');
    expect(frames[frames.length - 1].choices[0].finish_reason).toBe('stop');

    // A temporary key for this bot only.
    const minted = await call(stack, 'POST', GET_API_KEY, { DurationSeconds: 600, ResourceType: 'bot', ResourceIds: [botId] });
    expect(minted.status).toBe(200);
    const key: string = minted.body.Result.ApiKey;
    const withKey = await call(stack, 'POST', `/api/v2/bots/${botId}/chat`, { messages: [{ role: 'user', content: 'Who replaces laptops?' }] }, key);
    expect(withKey.status).toBe(200);
    const keyed = withKey.body.choices[0].message;
    expect(keyed.content).toContain('IT service desk');
    expect(keyed.references.map((r: { doc_id: string }) => r.doc_id)).toContain('laptops');
    expect((await call(stack, 'POST', '/api/knowledge/collection/list', {}, key)).status).toBe(403);

    // An OpenAI client pointed at /v1 with the temporary key.
    const openai = new OpenAI({ baseURL: `${stack.baseUrl}/v1`, apiKey: key, maxRetries: 0 });
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual([botId]);
    const completion = await openai.chat.completions.create({ model: botId, messages: [{ role: 'user', content: 'When do unused holiday days expire?' }] });
    expect(completion.choices[0].message.content).toContain('March');
    let text = '';
    for await (const chunk of await openai.chat.completions.create({ model: botId, messages: [{ role: 'user', content: 'When do unused holiday days expire?' }], stream: true })) {
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe(completion.choices[0].message.content);
  });
});
