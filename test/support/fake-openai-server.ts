import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { countTokens } from '@fjord/text';

/**
 * A fake OpenAI-compatible upstream over real HTTP on 127.0.0.1 (random port), for every suite
 * and benchmark that needs a model: chat completions (stream and non-stream, usage, logprobs),
 * embeddings (deterministic vectors) and models. Failures are scripted per request; every request
 * is recorded so tests can assert exactly what fjord sent.
 *
 *   const fake = await FakeOpenAiServer.start();
 *   config LLM_BASE_URL = fake.baseUrl   // http://127.0.0.1:<port>/v1
 *   fake.failNext({ status: 429, retryAfter: 2 });
 *   fake.chatRequests()[0].messages      // what fjord sent
 */

export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  stop?: string | string[];
  [key: string]: unknown;
}

export type FakeFailure =
  /** Answer with this HTTP status (and Retry-After when given) instead of a completion. */
  | { status: number; retryAfter?: number | string; message?: string; code?: string }
  /** Start answering (stream: send this many content chunks; non-stream: headers only), then destroy the socket. */
  | { breakAfterChunks: number };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** True when the client went away before the response finished (e.g. fjord aborted the call). */
  aborted: boolean;
  finished: boolean;
  receivedAt: number;
}

export interface FakeOpenAiOptions {
  /** Delay before the response starts (ms). */
  latencyMs?: number;
  /** Delay between streamed chunks (ms). */
  chunkDelayMs?: number;
  /** The assistant reply for a request; default: `Echo: <last user message>`. */
  reply?: (body: ChatBody) => string;
  /** Report usage (default true). When false, responses carry no usage at all. */
  reportUsage?: boolean;
  /** Cached prompt tokens to report in usage.prompt_tokens_details (default 0). */
  reportCachedTokens?: number;
  /** Model name in responses; default: the requested model. */
  responseModel?: string;
  /** Words per streamed chunk (default 2). */
  wordsPerChunk?: number;
  embeddingDimension?: number;
  /** The vector of one input text for `model`; default: fakeEmbedding (unrelated texts are unrelated). */
  embeddingFor?: (text: string, model: string) => number[];
  /**
   * usage.prompt_tokens of an embeddings response: a number (its own tokenizer, as a real model
   * server has), or the o200k count of the inputs by default. reportUsage false leaves usage out.
   */
  embeddingPromptTokens?: number;
}

export function defaultReply(body: ChatBody): string {
  const lastUser = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  return `Echo: ${lastUser ? String(lastUser.content) : ''}`;
}

/** The fake's own prompt count (o200k, 4 tokens per message + 3), like fjord's, so tests can compare. */
export function fakePromptTokens(body: ChatBody): number {
  return (body.messages ?? []).reduce((sum, m) => sum + 4 + countTokens(String(m.content ?? '')), 3);
}

function chunksOf(text: string, wordsPerChunk: number): string[] {
  const words = text.match(/\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  return chunks.length ? chunks : [''];
}

function logprobsFor(text: string, top: number | undefined) {
  return {
    content: (text.match(/\S+\s*/g) ?? []).map((token, i) => ({
      token,
      logprob: -0.01 * (i + 1),
      bytes: [...Buffer.from(token)],
      top_logprobs: Array.from({ length: top ?? 0 }, (_, k) => ({ token: `${token}#${k}`, logprob: -1 - k, bytes: null })),
    })),
    refusal: null,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeOpenAiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly failures: FakeFailure[] = [];
  private alwaysFail?: FakeFailure;
  /** While holding, embeddings requests wait here (in arrival order) until released. */
  private holding = false;
  private readonly held: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    public options: FakeOpenAiOptions,
  ) {}

  static async start(options: FakeOpenAiOptions = {}): Promise<FakeOpenAiServer> {
    let fake: FakeOpenAiServer | undefined;
    const server = createServer((req, res) => {
      void fake!.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(error), type: 'server_error' } }));
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeOpenAiServer(server, (server.address() as AddressInfo).port, options);
    return fake;
  }

  /** `http://127.0.0.1:<port>/v1`, what LLM_BASE_URL / an OpenAI client's baseURL should be. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Scripts the next requests (one failure each, in order) to fail. */
  failNext(...failures: FakeFailure[]): void {
    this.failures.push(...failures);
  }

  /** Every request fails this way until `reset()` (or `failAlways(undefined)`). */
  failAlways(failure: FakeFailure | undefined): void {
    this.alwaysFail = failure;
  }

  /**
   * Embeddings requests wait from now on until released, so a test can look at fjord while a
   * request is in flight (e.g. mid-migration) without timing anything.
   */
  holdEmbeddings(): void {
    this.holding = true;
  }

  /** Embeddings requests waiting now. */
  heldEmbeddings(): number {
    return this.held.length;
  }

  /** Lets the `count` oldest waiting requests through; holding goes on. */
  releaseEmbeddings(count: number): void {
    for (const release of this.held.splice(0, count)) release();
  }

  /** Stops holding and lets every waiting request through. */
  releaseAllEmbeddings(): void {
    this.holding = false;
    this.releaseEmbeddings(this.held.length);
  }

  /** Forgets recorded requests and scripted failures; options can be replaced. */
  reset(options?: FakeOpenAiOptions): void {
    this.requests.length = 0;
    this.failures.length = 0;
    this.alwaysFail = undefined;
    this.releaseAllEmbeddings();
    if (options) this.options = options;
  }

  chatRequests(): ChatBody[] {
    return this.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as ChatBody);
  }

  async close(): Promise<void> {
    this.releaseAllEmbeddings();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const path = (req.url ?? '/').split('?')[0];
    const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, aborted: false, finished: false, receivedAt: Date.now() };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    res.on('finish', () => {
      record.finished = true;
    });

    if (this.options.latencyMs) await sleep(this.options.latencyMs);
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      return this.json(res, 200, { object: 'list', data: [{ id: this.options.responseModel ?? 'fake-model', object: 'model', created: 0, owned_by: 'fake' }] });
    }
    if (req.method === 'POST' && (path === '/v1/embeddings' || path === '/embeddings')) {
      if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
      if (res.destroyed) return;
      const failure = this.nextFailure();
      if (failure && 'status' in failure) return this.fail(res, failure);
      return this.embeddings(res, body as { input: string | string[]; model: string; dimensions?: number });
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      return this.chat(res, body as ChatBody);
    }
    return this.json(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
  }

  private nextFailure(): FakeFailure | undefined {
    return this.failures.shift() ?? this.alwaysFail;
  }

  private json(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(payload);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  private fail(res: ServerResponse, failure: { status: number; retryAfter?: number | string; message?: string; code?: string }): void {
    const headers: Record<string, string> = {};
    if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter);
    const type = failure.status === 429 ? 'rate_limit_exceeded' : failure.status >= 500 ? 'server_error' : 'invalid_request_error';
    this.json(res, failure.status, { error: { message: failure.message ?? `scripted failure ${failure.status}`, type, code: failure.code ?? type } }, headers);
  }

  private usage(body: ChatBody, completion: string) {
    const prompt = fakePromptTokens(body);
    const completionTokens = countTokens(completion);
    return {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: this.options.reportCachedTokens ?? 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    };
  }

  private async chat(res: ServerResponse, body: ChatBody): Promise<void> {
    const failure = this.nextFailure();
    if (failure && 'status' in failure) return this.fail(res, failure);
    let text = (this.options.reply ?? defaultReply)(body);
    let finishReason = 'stop';
    if (typeof body.max_tokens === 'number' && countTokens(text) > body.max_tokens) {
      text = (text.match(/\S+\s*/g) ?? []).slice(0, body.max_tokens).join('');
      finishReason = 'length';
    }
    const id = `chatcmpl-fake-${randomBytes(6).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = this.options.responseModel ?? body.model;
    const reportUsage = this.options.reportUsage !== false;
    if (!body.stream) {
      if (failure && 'breakAfterChunks' in failure) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":');
        res.destroy();
        return;
      }
      return this.json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason, logprobs: body.logprobs ? logprobsFor(text, body.top_logprobs) : null }],
        ...(reportUsage ? { usage: this.usage(body, text) } : {}),
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const frame = (delta: object, finish: string | null, logprobs: unknown = null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs }],
    });
    const pieces = chunksOf(text, this.options.wordsPerChunk ?? 2);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0 && this.options.chunkDelayMs) await sleep(this.options.chunkDelayMs);
      if (failure && 'breakAfterChunks' in failure && i >= failure.breakAfterChunks) {
        res.destroy();
        return;
      }
      if (res.destroyed) return;
      const delta = i === 0 ? { role: 'assistant', content: pieces[i] } : { content: pieces[i] };
      send(frame(delta, null, body.logprobs ? logprobsFor(pieces[i], body.top_logprobs) : null));
    }
    if (failure && 'breakAfterChunks' in failure) {
      if (this.options.chunkDelayMs) await sleep(this.options.chunkDelayMs);
      res.destroy();
      return;
    }
    send(frame({}, finishReason));
    if (reportUsage && body.stream_options?.include_usage) send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: this.usage(body, text) });
    res.write('data: [DONE]\n\n');
    res.end();
  }

  private embeddings(res: ServerResponse, body: { input: string | string[]; model: string; dimensions?: number }): void {
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const dimension = body.dimensions ?? this.options.embeddingDimension ?? 64;
    const vectorOf = this.options.embeddingFor ?? ((text: string) => fakeEmbedding(text, dimension));
    const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: vectorOf(String(text), body.model) }));
    const tokens = this.options.embeddingPromptTokens ?? inputs.reduce((sum, text) => sum + countTokens(String(text)), 0);
    const usage = this.options.reportUsage === false ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } };
    this.json(res, 200, { object: 'list', data, model: body.model, ...usage });
  }
}

/** A deterministic unit vector for a text: sha256-seeded, so equal texts embed equally. */
export function fakeEmbedding(text: string, dimension: number): number[] {
  const values: number[] = [];
  let block = createHash('sha256').update(text).digest();
  while (values.length < dimension) {
    for (let i = 0; i + 1 < block.length && values.length < dimension; i += 2) values.push(block.readUInt16BE(i) / 32768 - 1);
    block = createHash('sha256').update(block).digest();
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}
