import OpenAI, { APIError } from 'openai';
import type { Stream } from 'openai/streaming';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import { countMessagesTokens } from '@fjord/llm';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { ADMIN_KEY, CONTEXT_BACKENDS, Fjord, parseSse, startFjord } from './context-harness';

const MODEL = 'Doubao-1.5-pro-32k';
const SYSTEM = { role: 'system' as const, content: 'You answer questions about Norwegian fjords.' };
const user = (content: string) => ({ role: 'user' as const, content });

/** Streaming, upstream failures and the official openai client, fjord in front of the fake upstream. */
describe.each(CONTEXT_BACKENDS)('Ark context streaming and upstream failures on %s', (backend) => {
  let fake: FakeOpenAiServer;
  let fjord: Fjord;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    fjord = await startFjord(backend, { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '1', LLM_RETRY_BASE_DELAY_MS: '10' });
    client = new OpenAI({ baseURL: `${fjord.baseUrl}/api/v3`, apiKey: ADMIN_KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await fjord.close();
    await fake.close();
  });
  beforeEach(() => fake.reset({}));

  const createContext = async (body: Record<string, unknown> = {}) =>
    client.post<{ id: string }>('/context/create', { body: { model: MODEL, messages: [SYSTEM], ...body } });
  const storedTurns = async (id: string) =>
    (await fjord.db.query<{ n: number }>('SELECT count(DISTINCT turn)::int AS n FROM context_messages WHERE context_id = $1', [id])).rows[0].n;

  it('the openai client creates a context and chats without streaming', async () => {
    const context = await createContext();
    expect(context.id).toMatch(/^ctx-/);
    const completion = await client.post<ChatCompletion>('/context/chat/completions', {
      body: { context_id: context.id, model: MODEL, messages: [user('Which fjord is longest?')] },
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].message.content).toBe('Echo: Which fjord is longest?');
    expect(completion.usage?.prompt_tokens_details?.cached_tokens).toBe(countMessagesTokens([SYSTEM]));
  });

  it('the openai client streams chunks, the final usage chunk and [DONE]', async () => {
    const context = await createContext();
    const stream = await client.post<Stream<ChatCompletionChunk>>('/context/chat/completions', {
      body: { context_id: context.id, model: MODEL, messages: [user('one two three four five')], stream: true, stream_options: { include_usage: true } },
      stream: true,
    });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Echo: one two three four five');
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: expect.any(Number), prompt_tokens_details: { cached_tokens: countMessagesTokens([SYSTEM]) } });
    expect(chunks.at(-2)!.choices[0].finish_reason).toBe('stop');
    expect(await storedTurns(context.id)).toBe(1);
  });

  it('the SSE wire format: data frames, no usage chunk without include_usage, then [DONE]', async () => {
    const { id } = await createContext();
    const response = await fjord.raw('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('hello there')], stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const frames = parseSse(text);
    expect(frames.at(-1)).toBe('[DONE]');
    const json = frames.slice(0, -1);
    expect(json.every((f) => f.choices.length === 1 && !('usage' in f))).toBe(true);
    expect(json.at(-1).choices[0]).toEqual({ index: 0, delta: {}, finish_reason: 'stop', logprobs: null });
  });

  it('passes logprobs through, streaming and not', async () => {
    const { id } = await createContext({ mode: 'common_prefix' });
    const plain = await fjord.post('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('a b')], logprobs: true, top_logprobs: 2 });
    expect(plain.body.choices[0].logprobs.content[0]).toMatchObject({ token: 'Echo: ', logprob: expect.any(Number), top_logprobs: [expect.anything(), expect.anything()] });
    expect(fake.chatRequests()[0]).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const streamed = parseSse(await (await fjord.raw('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('a b')], logprobs: true, stream: true })).text());
    expect(streamed[0].choices[0].logprobs.content[0].token).toBe('Echo: ');
  });

  it('upstream 429 becomes 429 RateLimitExceeded with Retry-After, before a stream starts too', async () => {
    const { id } = await createContext();
    fake.failAlways({ status: 429, retryAfter: 42 });
    for (const stream of [false, true]) {
      const response = await fjord.post('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('hi')], stream });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('42');
      expect(response.body).toEqual({ error: { code: 'RateLimitExceeded', message: expect.stringContaining('rate limited'), param: '', type: 'TooManyRequests' } });
    }
    const viaSdk = await client.post('/context/chat/completions', { body: { context_id: id, model: MODEL, messages: [user('hi')] } }).catch((e: unknown) => e);
    expect(viaSdk).toBeInstanceOf(APIError);
    expect((viaSdk as APIError).status).toBe(429);
    expect(await storedTurns(id)).toBe(0);
  });

  it('a 429 with a short Retry-After is waited out and retried', async () => {
    const { id } = await createContext();
    fake.failNext({ status: 429, retryAfter: 1 });
    const started = Date.now();
    const response = await fjord.post('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('patience')] });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.chatRequests()).toHaveLength(2);
  });

  it('upstream 5xx becomes 502 UpstreamError after the configured retries', async () => {
    const { id } = await createContext();
    fake.failAlways({ status: 500, message: 'kaboom' });
    for (const stream of [false, true]) {
      fake.requests.length = 0;
      const response = await fjord.post('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('hi')], stream });
      expect(response.status).toBe(502);
      expect(response.body.error).toMatchObject({ code: 'UpstreamError', type: 'BadGateway', message: expect.stringContaining('kaboom') });
      expect(fake.chatRequests()).toHaveLength(2); // LLM_MAX_RETRIES=1
    }
  });

  it('a stream that breaks midway ends with an error frame, and the turn is not stored', async () => {
    const { id } = await createContext();
    fake.reset({ wordsPerChunk: 1, chunkDelayMs: 20 });
    fake.failNext({ breakAfterChunks: 2 });
    const response = await fjord.raw('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user('one two three four five six')], stream: true });
    expect(response.status).toBe(200);
    const frames = parseSse(await response.text());
    expect(frames).not.toContain('[DONE]');
    expect(frames.slice(0, 2).map((f) => f.choices[0].delta.content).join('')).toBe('Echo: one ');
    expect(frames.at(-1)).toEqual({ error: { code: 'UpstreamError', message: expect.any(String), param: '', type: 'BadGateway' } });
    expect(await storedTurns(id)).toBe(0);
    // The SDK surfaces the error frame as an error.
    fake.failNext({ breakAfterChunks: 2 });
    const stream = await client.post<Stream<ChatCompletionChunk>>('/context/chat/completions', {
      body: { context_id: id, model: MODEL, messages: [user('one two three four five six')], stream: true },
      stream: true,
    });
    await expect(
      (async () => {
        for await (const _chunk of stream) void _chunk;
      })(),
    ).rejects.toThrow();
  });

  it('a client that disconnects mid-stream cancels the upstream call', async () => {
    const { id } = await createContext();
    fake.reset({ wordsPerChunk: 1, chunkDelayMs: 150 });
    const controller = new AbortController();
    const response = await fjord.raw(
      '/api/v3/context/chat/completions',
      { context_id: id, model: MODEL, messages: [user('a b c d e f g h i j k l')], stream: true },
      { signal: controller.signal },
    );
    const reader = response.body!.getReader();
    await reader.read(); // the first chunk arrived
    controller.abort();
    await expect(reader.read()).rejects.toThrow();
    const deadline = Date.now() + 3000;
    while (!fake.requests[0]?.aborted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fake.requests[0].aborted).toBe(true);
    expect(fake.requests[0].finished).toBe(false);
    expect(await storedTurns(id)).toBe(0);
  });

  it('concurrent streaming turns on one session are all stored', async () => {
    const { id } = await createContext({ truncation_strategy: { type: 'last_history_tokens', last_history_tokens: 100000 } });
    fake.reset({ chunkDelayMs: 5 });
    const bodies = await Promise.all(
      Array.from({ length: 6 }, async (_, i) =>
        (await fjord.raw('/api/v3/context/chat/completions', { context_id: id, model: MODEL, messages: [user(`stream ${i} words here`)], stream: true })).text(),
      ),
    );
    expect(bodies.every((b) => b.endsWith('data: [DONE]\n\n'))).toBe(true);
    expect(await storedTurns(id)).toBe(6);
  });
});

describe('Ark context API with the local extractive model', () => {
  let fjord: Fjord;
  beforeAll(async () => {
    fjord = await startFjord('pglite');
  });
  afterAll(() => fjord.close());

  const passages = [
    'Answer from the numbered passages.',
    '[1] The Sognefjord is the longest fjord in Norway. It reaches 205 km inland.',
    '[2] The Geirangerfjord is a UNESCO World Heritage Site. Its waterfalls are famous.',
  ].join('\n');

  it('answers by quoting the context with its citation markers, and says it is extractive', async () => {
    const { body: context } = await fjord.post('/api/v3/context/create', { model: 'Doubao-1.5-pro-32k', messages: [{ role: 'system', content: passages }] });
    const { status, body } = await fjord.post('/api/v3/context/chat/completions', {
      context_id: context.id,
      model: 'Doubao-1.5-pro-32k',
      messages: [user('How far inland does the Sognefjord reach?')],
    });
    expect(status).toBe(200);
    expect(body.model).toBe('fjord-extractive-v1');
    expect(body.choices[0].message.content).toContain('205 km inland. [1]');
    expect(body.choices[0].message.content).not.toContain('UNESCO');
    expect(body.usage.prompt_tokens_details.cached_tokens).toBe(context.usage.prompt_tokens);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);

    const streamed = parseSse(
      await (
        await fjord.raw('/api/v3/context/chat/completions', {
          context_id: context.id,
          model: 'Doubao-1.5-pro-32k',
          messages: [user('Which fjord is a UNESCO World Heritage Site?')],
          stream: true,
          stream_options: { include_usage: true },
        })
      ).text(),
    );
    const content = streamed.filter((f) => f !== '[DONE]' && f.choices.length).map((f) => f.choices[0].delta.content ?? '').join('');
    expect(content).toContain('UNESCO World Heritage Site. [2]');
    expect(streamed.filter((f) => f !== '[DONE]' && f.choices[0]?.delta?.content).length).toBeGreaterThan(1);
    expect(streamed.at(-2).usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(context.usage.prompt_tokens); // history too
  });
});
