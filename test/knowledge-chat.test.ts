import { DEFAULT_SYSTEM_PROMPT, citationInstructions } from '@fjord/chat';
import { DB, Db } from '@fjord/database';
import { NO_ANSWER_TEXT, NO_ANSWER_TEXT_ZH, countMessagesTokens } from '@fjord/llm';
import { ChatBody, FakeOpenAiServer } from './support/fake-openai-server';
import { BACKENDS, TestStack, startTestStack, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';
const MODEL = 'Doubao-1.5-pro-32k';
const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });

const DOCS = [
  { doc_id: 'sognefjord', doc_name: 'Sognefjord.md', content: '# Sognefjord\n\nThe Sognefjord is the longest fjord in Norway, 205 kilometres long. Its greatest depth is 1308 metres below sea level.' },
  { doc_id: 'bergen', doc_name: 'Bergen.md', content: '# Bergen\n\nBergen is a harbour city on the west coast of Norway. It rains in Bergen on about 240 days a year.' },
  { doc_id: 'travel', doc_name: '差旅报销.md', content: '# 差旅报销\n\n差旅费报销需要提交发票和审批单。报销款项在十个工作日内到账。' },
  { doc_id: 'geiranger', doc_name: 'Geiranger.md', content: '# Geirangerfjord\n\nThe Geirangerfjord is a UNESCO World Heritage site. Cruise ships visit the Geirangerfjord in summer.' },
];

/** Parses a Viking SSE body: `data:{json}` events separated by blank lines. */
function vikingEvents(text: string): any[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.length > 0)
    .map((frame) => {
      expect(frame.startsWith('data:{')).toBe(true);
      return JSON.parse(frame.slice('data:'.length));
    });
}

async function loadCollection(stack: TestStack, name: string): Promise<void> {
  expect((await stack.post(`${KB}/collection/create`, { name })).status).toBe(200);
  for (const doc of DOCS) {
    const added = await stack.post(`${KB}/doc/add`, { collection_name: name, add_type: 'text', doc_type: 'md', ...doc });
    expect(added.status).toBe(200);
  }
  for (const doc of DOCS) expect((await waitForDocument(stack, { collection_name: name, doc_id: doc.doc_id })).process_status).toBe(0);
}

async function raw(stack: TestStack, body: unknown): Promise<Response> {
  return fetch(`${stack.baseUrl}${KB}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-key-0123456789' },
    body: JSON.stringify(body),
  });
}

const usageOf = (data: { usage: string }) => JSON.parse(data.usage);

describe.each(BACKENDS)('Viking knowledge chat with an OpenAI-compatible upstream on %s', (backend) => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    // No relevance floor: these tests number and cite every passage of a tiny corpus, weak ones included.
    stack = await startTestStack(backend, { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0', LLM_RETRY_BASE_DELAY_MS: '10', KNOWLEDGE_CHAT_MIN_SCORE: '0' });
    await loadCollection(stack, 'fjords');
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });
  beforeEach(() => fake.reset({}));

  it('without a collection it is a plain model call on the given messages', async () => {
    const messages = [{ role: 'system', content: 'Be brief.' }, user('hello there')];
    const { status, body } = await stack.post(`${KB}/chat/completions`, { model: MODEL, messages });
    expect(status).toBe(200);
    expect(body).toMatchObject({ code: 0, message: 'success', request_id: expect.any(String) });
    expect(body.data.generated_answer).toBe('Echo: hello there');
    expect(body.data).not.toHaveProperty('references');
    expect(typeof body.data.usage).toBe('string');
    expect(usageOf(body.data)).toEqual({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    const sent = fake.chatRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0].messages).toEqual(messages);
    expect(sent[0]).toMatchObject({ model: MODEL, max_tokens: 4096, temperature: 0.1 });
  });

  it('retrieves, sends exactly the numbered passages upstream, and references exactly them', async () => {
    const { status, body } = await stack.post(`${KB}/chat/completions`, {
      model: MODEL,
      collection_name: 'fjords',
      limit: 2,
      messages: [{ role: 'system', content: 'You are a geography tutor.' }, user('How long is the Sognefjord?')],
    });
    expect(status).toBe(200);
    const refs = body.data.references;
    expect(refs).toHaveLength(2);
    expect(refs.map((r: any) => r.doc_id)).toContain('sognefjord');
    expect(refs[0]).toMatchObject({ index: 1, collection_name: 'fjords', project: 'default', point_id: expect.any(String), chunk_id: expect.any(Number), doc_type: 'md' });

    const sent = fake.chatRequests()[0];
    const expectedSystem = [
      `${DEFAULT_SYSTEM_PROMPT}\n\nYou are a geography tutor.`,
      citationInstructions(2),
      'Passages:',
      ...refs.map((r: any, i: number) => `[${i + 1}] ${r.content}`),
    ].join('\n\n');
    expect(sent.messages).toEqual([{ role: 'system', content: expectedSystem }, user('How long is the Sognefjord?')]);
    expect(sent.messages[0].content).toContain('205 kilometres');
  });

  it('a follow-up that retrieves the same passages reuses the cached prefix and reports cached_tokens', async () => {
    // limit 10 covers every chunk of the collection, so both questions are given the same passages.
    const first = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 10, messages: [user('How deep is the Sognefjord?')] });
    expect(usageOf(first.body.data).prompt_tokens_details.cached_tokens).toBe(0);
    const second = await stack.post(`${KB}/chat/completions`, {
      model: MODEL,
      collection_name: 'fjords',
      limit: 10,
      messages: [user('How deep is the Sognefjord?'), assistant(first.body.data.generated_answer), user('And how long is it?')],
    });
    const [call1, call2] = fake.chatRequests();
    expect(call2.messages[0]).toEqual(call1.messages[0]);
    expect(call2.messages.slice(1)).toEqual([user('How deep is the Sognefjord?'), assistant(first.body.data.generated_answer), user('And how long is it?')]);
    const ids = (data: any) => data.references.map((r: any) => r.point_id);
    expect(ids(second.body.data)).toEqual(ids(first.body.data));
    expect(usageOf(second.body.data).prompt_tokens_details.cached_tokens).toBe(countMessagesTokens([call1.messages[0]]));
    // Different passages: a different prefix, nothing cached.
    const other = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 1, messages: [user('Where do cruise ships go in summer?')] });
    expect(usageOf(other.body.data).prompt_tokens_details.cached_tokens).toBe(0);
  });

  it('searches several collections and references each passage with its collection', async () => {
    if (!(await stack.post(`${KB}/collection/info`, { name: 'harbours' })).body.data) {
      await stack.post(`${KB}/collection/create`, { name: 'harbours' });
      await stack.post(`${KB}/doc/add`, { collection_name: 'harbours', add_type: 'text', doc_type: 'md', doc_id: 'stavanger', content: '# Stavanger\n\nThe harbour of Stavanger serves the Lysefjord ferries.' });
      await waitForDocument(stack, { collection_name: 'harbours', doc_id: 'stavanger' });
    }
    const { status, body } = await stack.post(`${KB}/chat/completions`, {
      model: MODEL,
      collections: [{ name: 'fjords' }, { name: 'harbours', project: 'default' }],
      limit: 3,
      max_tokens: 0,
      messages: [user('Which harbour serves the Lysefjord ferries, and how many days does it rain in Bergen?')],
    });
    expect(status).toBe(200);
    const where = body.data.references.map((r: any) => `${r.collection_name}/${r.doc_id}`);
    expect(where).toContain('harbours/stavanger');
    expect(where).toContain('fjords/bergen');
    // Most relevant first, across collections.
    const scores = body.data.references.map((r: any) => r.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
    // max_tokens 0: no limit of fjord's own is sent upstream.
    expect(fake.chatRequests()[0]).not.toHaveProperty('max_tokens');
  });

  it('a client that disconnects mid-stream cancels the upstream call', async () => {
    fake.reset({ wordsPerChunk: 1, chunkDelayMs: 100 });
    const abort = new AbortController();
    const response = await fetch(`${stack.baseUrl}${KB}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-key-0123456789' },
      body: JSON.stringify({ model: MODEL, collection_name: 'fjords', stream: true, messages: [user(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '))] }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    abort.abort();
    const deadline = Date.now() + 5000;
    while (!fake.requests[0]?.aborted && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests[0].aborted).toBe(true);
    expect(fake.requests[0].finished).toBe(false);
  });

  it('concurrent chats over the same passages share one cached prefix', async () => {
    const db = stack.app.get<symbol, Db>(DB);
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM contexts WHERE prefix_hash IS NOT NULL')).rows[0].n;
    const before = await count();
    // The same question six times at once: the same passages in the same (relevance) order.
    const questions = Array.from({ length: 6 }, () => 'How long is the Sognefjord and does it rain in Bergen?');
    const replies = await Promise.all(questions.map((q) => stack.post(`${KB}/chat/completions`, { model: 'concurrency-model', collection_name: 'fjords', limit: 10, messages: [user(q)] })));
    expect(replies.map((r) => r.status)).toEqual(questions.map(() => 200));
    expect(replies.map((r) => r.body.data.generated_answer)).toEqual(questions.map((q) => `Echo: ${q}`));
    // One prefix for all six (a model no other test uses, so a new one), stored once.
    expect(new Set(fake.chatRequests().map((b) => b.messages[0].content)).size).toBe(1);
    expect((await count()) - before).toBe(1);
    // Which of six simultaneous first uses count as "already cached" depends on how their upserts
    // interleave (typically five of six); at least one always does.
    expect(replies.filter((r) => usageOf(r.body.data).prompt_tokens_details.cached_tokens > 0).length).toBeGreaterThan(0);
  });

  it('removes citations outside the passages it gave, streaming and not', async () => {
    fake.reset({ reply: () => 'It is 205 km long [1][7]. Deep too [2, 9]. Wrong [12].', wordsPerChunk: 1 });
    const body = { model: MODEL, collection_name: 'fjords', limit: 2, messages: [user('How long is the Sognefjord?')] };
    const plain = await stack.post(`${KB}/chat/completions`, body);
    expect(plain.body.data.generated_answer).toBe('It is 205 km long [1]. Deep too [2]. Wrong.');
    const streamed = await raw(stack, { ...body, stream: true });
    const events = vikingEvents(await streamed.text());
    expect(events.map((e) => e.data.generated_answer).join('')).toBe('It is 205 km long [1]. Deep too [2]. Wrong.');
  });

  it('streams Viking events ending with end:true and the usage string, without [DONE]', async () => {
    fake.reset({ wordsPerChunk: 1 });
    const response = await raw(stack, { model: MODEL, collection_name: 'fjords', limit: 2, stream: true, messages: [user('How long is the Sognefjord?')] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const events = vikingEvents(text);
    expect(events.length).toBeGreaterThan(2);
    const last = events.at(-1);
    for (const event of events.slice(0, -1)) {
      expect(event).toEqual({ code: 0, message: 'success', data: { generated_answer: expect.any(String), usage: '' } });
    }
    expect(last).toMatchObject({ code: 0, message: 'success', data: { generated_answer: '', end: true } });
    expect(usageOf(last.data)).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
    expect(last.data.references.map((r: any) => r.doc_id)).toContain('sognefjord');
    expect(events.map((e) => e.data.generated_answer).join('')).toBe('Echo: How long is the Sognefjord?');
  });

  it('answers a Chinese question from the Chinese document', async () => {
    const { body } = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 1, messages: [user('差旅费怎么报销？')] });
    expect(body.data.references.map((r: any) => r.doc_id)).toEqual(['travel']);
    expect(fake.chatRequests()[0].messages[0].content).toContain('[1] 差旅费报销需要提交发票和审批单');
  });

  it('rejects every invalid request with 1000003', async () => {
    const ok = { model: MODEL, messages: [user('hi')] };
    const bad: Array<[string, unknown]> = [
      ['missing model', { messages: [user('hi')] }],
      ['empty model', { ...ok, model: '' }],
      ['missing messages', { model: MODEL }],
      ['empty messages', { ...ok, messages: [] }],
      ['a bad role', { ...ok, messages: [{ role: 'tool', content: 'x' }] }],
      ['content not text', { ...ok, messages: [{ role: 'user', content: 42 }] }],
      ['last message not from the user', { ...ok, messages: [user('hi'), assistant('hello')] }],
      ['max_tokens above 4096', { ...ok, max_tokens: 4097 }],
      ['max_tokens below 0', { ...ok, max_tokens: -1 }],
      ['max_tokens not an integer', { ...ok, max_tokens: 1.5 }],
      ['temperature above 1', { ...ok, temperature: 1.5 }],
      ['temperature below 0', { ...ok, temperature: -0.1 }],
      ['stream not a boolean', { ...ok, stream: 'yes' }],
      ['collections and collection_name', { ...ok, collection_name: 'fjords', collections: [{ name: 'fjords' }] }],
      ['an unnamed collection', { ...ok, collections: [{ project: 'default' }] }],
      ['limit without a collection', { ...ok, limit: 3 }],
      ['limit out of range', { ...ok, collection_name: 'fjords', limit: 0 }],
      ['dense_weight out of range', { ...ok, collection_name: 'fjords', dense_weight: 2 }],
      ['a bad collection name', { ...ok, collection_name: '1abc' }],
      ['a malformed doc_filter', { ...ok, collection_name: 'fjords', query_param: { doc_filter: { op: 'nope' } } }],
      ['a filter on an undeclared field', { ...ok, collection_name: 'fjords', query_param: { doc_filter: { op: 'must', field: 'lang', conds: ['en'] } } }],
    ];
    for (const [label, body] of bad) {
      const response = await stack.post(`${KB}/chat/completions`, body);
      expect({ label, status: response.status, code: response.body.code }).toEqual({ label, status: 400, code: 1000003 });
      expect(response.body.message).toEqual(expect.any(String));
    }
    const malformed = await stack.post(`${KB}/chat/completions`, '{"model":');
    expect([malformed.status, malformed.body.code]).toEqual([400, 1000003]);
    expect(fake.chatRequests()).toHaveLength(0);
  });

  it('a missing collection is 1000005 and a missing key 1000001', async () => {
    const missing = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'nope', messages: [user('hi')] });
    expect([missing.status, missing.body.code]).toEqual([404, 1000005]);
    const streamed = await raw(stack, { model: MODEL, collection_name: 'nope', stream: true, messages: [user('hi')] });
    expect(streamed.status).toBe(404);
    expect(((await streamed.json()) as any).code).toBe(1000005);
    const anonymous = await stack.post(`${KB}/chat/completions`, { model: MODEL, messages: [user('hi')] }, null);
    expect([anonymous.status, anonymous.body.code]).toEqual([401, 1000001]);
  });

  it('an upstream failure before streaming is a Viking error with its HTTP status', async () => {
    fake.failAlways({ status: 500 });
    const plain = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', messages: [user('How long is the Sognefjord?')] });
    // api.md: 1000028 (internal error) is HTTP 500, also when the model upstream is what failed.
    expect([plain.status, plain.body.code]).toEqual([500, 1000028]);
    expect(plain.body.message).toMatch(/upstream|model/i);
    const streamed = await raw(stack, { model: MODEL, collection_name: 'fjords', stream: true, messages: [user('How long is the Sognefjord?')] });
    expect(streamed.status).toBe(500);
    expect(streamed.headers.get('content-type')).toMatch(/application\/json/);
    expect(((await streamed.json()) as any).code).toBe(1000028);
    fake.reset({});
    fake.failAlways({ status: 429, retryAfter: 3 });
    const limited = await stack.post(`${KB}/chat/completions`, { model: MODEL, messages: [user('hi')] });
    expect([limited.status, limited.body.code]).toEqual([429, 1000029]);
  });

  it('an upstream failure during streaming ends the stream with a non-zero code', async () => {
    fake.reset({ wordsPerChunk: 1, chunkDelayMs: 10 });
    fake.failNext({ breakAfterChunks: 2 });
    const response = await raw(stack, { model: MODEL, collection_name: 'fjords', stream: true, messages: [user('one two three four five six')] });
    expect(response.status).toBe(200);
    const events = vikingEvents(await response.text());
    expect(events.slice(0, -1).every((e) => e.code === 0)).toBe(true);
    // The trailing space is held back (a citation marker might have followed it) and lost with the stream.
    expect(events.slice(0, -1).map((e) => e.data.generated_answer).join('')).toBe('Echo: one');
    const last = events.at(-1);
    expect(last.code).toBe(1000028);
    expect(last.message).toEqual(expect.any(String));
    expect(last.data).toMatchObject({ end: true });
  });

  it('search_and_generate answers one query with its prompt and result list', async () => {
    const { status, body } = await stack.post(`${KB}/collection/search_and_generate`, {
      collection_name: 'fjords',
      query: 'How much does it rain in Bergen?',
      retrieve_param: { limit: 2 },
      llm_param: { model: MODEL, max_new_tokens: 100, temperature: 0.5 },
    });
    expect(status).toBe(200);
    expect(Object.keys(body.data).sort()).toEqual(['collection_name', 'count', 'generated_answer', 'prompt', 'result_list', 'usage']);
    expect(body.data).toMatchObject({ collection_name: 'fjords', count: 2, generated_answer: 'Echo: How much does it rain in Bergen?' });
    expect(body.data.result_list.map((r: any) => r.doc_info.doc_id)).toContain('bergen');
    const sent: ChatBody = fake.chatRequests()[0];
    expect(sent).toMatchObject({ model: MODEL, max_tokens: 100, temperature: 0.5 });
    expect(body.data.prompt).toBe(sent.messages.map((m) => `${m.role}: ${m.content}`).join('\n\n'));
    expect(body.data.prompt).toContain('240 days');
    expect(usageOf(body.data).total_tokens).toBeGreaterThan(0);
    const invalid = await stack.post(`${KB}/collection/search_and_generate`, { collection_name: 'fjords', query: '' });
    expect([invalid.status, invalid.body.code]).toEqual([400, 1000003]);
    const missing = await stack.post(`${KB}/collection/search_and_generate`, { collection_name: 'nope', query: 'x' });
    expect([missing.status, missing.body.code]).toEqual([404, 1000005]);
  });
});

describe.each(BACKENDS)('Viking knowledge chat with the local extractive model on %s', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend, {});
    await loadCollection(stack, 'fjords');
  });
  afterAll(async () => stack?.close());

  it('answers an English question by quoting the right passage with a citation that points at it', async () => {
    const { status, body } = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 3, messages: [user('What is the greatest depth of the Sognefjord?')] });
    expect(status).toBe(200);
    const answer: string = body.data.generated_answer;
    expect(answer).toContain('1308 metres');
    const cited = [...answer.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]));
    expect(cited.length).toBeGreaterThan(0);
    for (const k of cited) expect(body.data.references[k - 1].doc_id).toBe('sognefjord');
  });

  it('says the documents do not answer an off-topic question; references are by relevance and above the floor', async () => {
    const { body } = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 5, messages: [user('What is the capital of France?')] });
    expect(body.data.generated_answer).toBe(NO_ANSWER_TEXT);
    const zh = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 5, messages: [user('法国的首都是哪里？')] });
    expect(zh.body.data.generated_answer).toBe(NO_ANSWER_TEXT_ZH);
    const scores: number[] = body.data.references.map((r: { score: number }) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const score of scores) expect(score).toBeGreaterThanOrEqual(0.1);
  });

  it('answers a Chinese question from the Chinese document, streaming too', async () => {
    const { body } = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 2, messages: [user('差旅费报销需要什么材料？')] });
    expect(body.data.generated_answer).toContain('发票');
    const k = Number(/\[(\d+)\]/.exec(body.data.generated_answer)?.[1]);
    expect(body.data.references[k - 1].doc_id).toBe('travel');
    const streamed = await raw(stack, { model: MODEL, collection_name: 'fjords', limit: 2, stream: true, messages: [user('差旅费报销需要什么材料？')] });
    const events = vikingEvents(await streamed.text());
    expect(events.map((e) => e.data.generated_answer).join('')).toBe(body.data.generated_answer);
    expect(events.at(-1).data.end).toBe(true);
  });

  it('follow-ups are rewritten from the conversation and reuse the cached prefix', async () => {
    const first = await stack.post(`${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit: 1, messages: [user('How deep is the Sognefjord?')] });
    expect(first.body.data.references[0].doc_id).toBe('sognefjord');
    // The rewritten query (previous question + follow-up) finds the same single passage, so the prefix is reused.
    const second = await stack.post(`${KB}/chat/completions`, {
      model: MODEL,
      collection_name: 'fjords',
      limit: 1,
      messages: [user('How deep is the Sognefjord?'), assistant(first.body.data.generated_answer), user('And how long is it?')],
    });
    expect(second.body.data.references.map((r: any) => r.doc_id)).toEqual(['sognefjord']);
    expect(second.body.data.generated_answer).toContain('205 kilometres');
    expect(usageOf(second.body.data).prompt_tokens_details.cached_tokens).toBeGreaterThan(0);
  });

  it('a plain call without a collection works with the local model', async () => {
    const { status, body } = await stack.post(`${KB}/chat/completions`, {
      model: MODEL,
      messages: [{ role: 'system', content: 'Oslo is the capital of Norway.' }, user('What is the capital of Norway?')],
    });
    expect(status).toBe(200);
    expect(body.data.generated_answer).toContain('Oslo');
  });
});
