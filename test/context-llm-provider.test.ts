import { DomainError, ErrorCode } from '@fjord/common';
import { ChatDelta, ChatRequest, OpenAiChatModel, countPromptTokens } from '@fjord/llm';
import { FakeOpenAiServer } from './support/fake-openai-server';

/** The OpenAI-compatible provider (LangChain ChatOpenAI) against the fake upstream over real HTTP. */
describe('OpenAiChatModel', () => {
  let fake: FakeOpenAiServer;
  const request: ChatRequest = {
    model: 'Doubao-1.5-pro-32k',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello to the fjord' },
    ],
  };
  const model = (overrides: Partial<ConstructorParameters<typeof OpenAiChatModel>[0]> = {}) =>
    new OpenAiChatModel({
      baseUrl: fake.baseUrl,
      apiKey: 'sk-test',
      modelMap: { 'Doubao-1.5-pro-32k': 'ep-20240101-abc' },
      defaultModel: 'default-upstream',
      timeoutMs: 5_000,
      maxRetries: 2,
      retryBaseDelayMs: 10,
      ...overrides,
    });

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset({}));

  async function collect(iterable: AsyncIterable<ChatDelta>): Promise<ChatDelta[]> {
    const out: ChatDelta[] = [];
    for await (const delta of iterable) out.push(delta);
    return out;
  }

  it('maps public model names, sends exactly the messages and only the parameters given, and reports upstream usage', async () => {
    const result = await model().generate({ ...request, temperature: 0.3, maxTokens: 50, stop: ['END'] });
    expect(result.content).toBe('Echo: Say hello to the fjord');
    expect(result.finishReason).toBe('stop');
    expect(result.usage.reported).toBe(true);
    expect(result.usage.promptTokens).toBe(countPromptTokens(request.messages));
    const [sent] = fake.chatRequests();
    expect(sent.model).toBe('ep-20240101-abc');
    expect(sent.messages).toEqual(request.messages);
    expect(sent.temperature).toBe(0.3);
    expect(sent.max_tokens).toBe(50);
    expect(sent.stop).toEqual(['END']);
    expect(sent).not.toHaveProperty('top_p');
    expect(fake.requests[0].headers.authorization).toBe('Bearer sk-test');
    // Unmapped names go to LLM_MODEL.
    await model().generate({ ...request, model: 'something-else' });
    expect(fake.chatRequests()[1].model).toBe('default-upstream');
  });

  it('counts with o200k when the upstream reports no usage', async () => {
    fake.options.reportUsage = false;
    const result = await model().generate(request);
    expect(result.usage.reported).toBe(false);
    expect(result.usage.promptTokens).toBe(countPromptTokens(request.messages));
    expect(result.usage.completionTokens).toBeGreaterThan(0);
    const deltas = await collect(model().stream(request));
    const done = deltas.at(-1);
    expect(done).toMatchObject({ type: 'done', usage: { reported: false, promptTokens: countPromptTokens(request.messages) } });
  });

  it('streams deltas then a done with usage, and passes logprobs through', async () => {
    const deltas = await collect(model().stream({ ...request, logprobs: true, topLogprobs: 1 }));
    const content = deltas.filter((d): d is Extract<ChatDelta, { type: 'content' }> => d.type === 'content');
    expect(content.map((d) => d.content).join('')).toBe('Echo: Say hello to the fjord');
    expect(content.length).toBeGreaterThan(1);
    expect(content[0].logprobs?.content?.[0]).toMatchObject({ token: expect.any(String), logprob: expect.any(Number) });
    expect(deltas.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop', usage: { reported: true } });
    expect(fake.chatRequests()[0]).toMatchObject({ stream: true, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 1 });
    const generated = await model().generate({ ...request, logprobs: true });
    expect(generated.logprobs?.content?.length).toBeGreaterThan(0);
  });

  it('retries 429 after the Retry-After delay and 500 with backoff', async () => {
    fake.failNext({ status: 429, retryAfter: 1 }, { status: 500 });
    const started = Date.now();
    const result = await model().generate(request);
    expect(result.content).toContain('Echo');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(fake.chatRequests()).toHaveLength(3);
  });

  it('maps exhausted 429 to RateLimited with retryAfterSeconds, 5xx to UpstreamError, 404 to ModelNotFound', async () => {
    fake.failAlways({ status: 429, retryAfter: 30 });
    await expect(model().generate(request)).rejects.toMatchObject({ code: ErrorCode.RateLimited, details: { retryAfterSeconds: 30 } });
    expect(fake.chatRequests()).toHaveLength(1); // 30 s is longer than fjord waits: no retry
    fake.reset({});
    fake.failAlways({ status: 503 });
    await expect(model({ maxRetries: 1 }).generate(request)).rejects.toMatchObject({ code: ErrorCode.UpstreamError });
    expect(fake.chatRequests()).toHaveLength(2);
    fake.reset({});
    fake.failAlways({ status: 404, message: 'no such endpoint' });
    await expect(model().generate(request)).rejects.toMatchObject({ code: ErrorCode.ModelNotFound });
  });

  it('retries a stream that fails before its first chunk, and fails one that breaks midway', async () => {
    fake.failNext({ status: 502 });
    const ok = await collect(model().stream(request));
    expect(ok.at(-1)).toMatchObject({ type: 'done' });
    expect(fake.chatRequests()).toHaveLength(2);

    fake.reset({ wordsPerChunk: 1, chunkDelayMs: 30 });
    fake.failNext({ breakAfterChunks: 2 });
    const seen: ChatDelta[] = [];
    let failure: unknown;
    try {
      for await (const delta of model().stream(request)) seen.push(delta);
    } catch (error) {
      failure = error;
    }
    expect(seen.length).toBe(2);
    expect(failure).toBeInstanceOf(DomainError);
    expect((failure as DomainError).code).toBe(ErrorCode.UpstreamError);
    expect(fake.chatRequests()).toHaveLength(1); // no retry once content was sent
  });

  it('aborting the signal cancels the upstream request', async () => {
    fake.reset({ wordsPerChunk: 1, chunkDelayMs: 200 });
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const delta of model().stream({ ...request, messages: [{ role: 'user', content: 'one two three four five six seven' }] }, controller.signal)) {
          if (delta.type === 'content') seen.push(delta.content);
          controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests[0].aborted).toBe(true);
  });
});
