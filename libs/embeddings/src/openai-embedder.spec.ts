import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, ErrorCode } from '@fjord/common';
import { EmbeddingUpstreamError, OpenAiEmbedder, parseRetryAfter, type EmbeddingConfig } from './openai-embedder';

const API_KEY = 'sk-test-secret-key-123456';

interface Received {
  path: string;
  authorization?: string;
  body: { model: string; input: string[]; encoding_format: string };
}

type Handler = (request: Received, response: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 standing in for an OpenAI-compatible embeddings API. */
class FakeEmbeddingsServer {
  readonly requests: Received[] = [];
  private handlers: Handler[] = [];
  private fallback: Handler = (request, response) => respondWithVectors(response, request.body.input);
  private server!: Server;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: Received = {
          path: req.url ?? '',
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
        };
        this.requests.push(request);
        (this.handlers.shift() ?? this.fallback)(request, res);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  /** Handlers for the next requests, in order; afterwards every request gets `fallback`. */
  next(...handlers: Handler[]): this {
    this.handlers.push(...handlers);
    return this;
  }

  always(handler: Handler): this {
    this.fallback = handler;
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.handlers = [];
    this.fallback = (request, response) => respondWithVectors(response, request.body.input);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A 3-d vector that identifies its input: [length of the text, first char code, 1]. */
function vectorFor(text: string): number[] {
  return [text.length, text.charCodeAt(0), 1];
}

function respondWithVectors(response: ServerResponse, input: string[], options: { reverse?: boolean } = {}): void {
  const data = input.map((text, index) => ({ object: 'embedding', index, embedding: vectorFor(text) }));
  if (options.reverse) data.reverse();
  json(response, 200, { object: 'list', data, model: 'fake', usage: { prompt_tokens: 1, total_tokens: 1 } });
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

const server = new FakeEmbeddingsServer();
let baseUrl: string;

beforeAll(async () => {
  baseUrl = await server.start();
});
afterAll(() => server.stop());
afterEach(() => server.reset());

function config(overrides: Partial<EmbeddingConfig> = {}): EmbeddingConfig {
  return {
    provider: 'openai',
    baseUrl,
    apiKey: API_KEY,
    model: 'text-embedding-test',
    batchSize: 64,
    timeoutMs: 2_000,
    maxRetries: 2,
    localDimension: 384,
    ...overrides,
  };
}

function embedder(overrides: Partial<EmbeddingConfig> = {}): OpenAiEmbedder {
  return new OpenAiEmbedder(config(overrides), { baseDelayMs: 1, maxDelayMs: 5 });
}

async function failure(promise: Promise<unknown>): Promise<EmbeddingUpstreamError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect(error).toBeInstanceOf(EmbeddingUpstreamError);
  return error as EmbeddingUpstreamError;
}

describe('OpenAiEmbedder', () => {
  it('posts {model, input, encoding_format} with a bearer key and splits inputs into batches', async () => {
    const texts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const vectors = await embedder({ batchSize: 2 }).embed(texts, 'document');

    expect(vectors).toEqual(texts.map(vectorFor));
    expect(server.requests.map((r) => r.body.input)).toEqual([['alpha', 'beta'], ['gamma', 'delta'], ['epsilon']]);
    expect(server.requests[0]).toEqual({
      path: '/v1/embeddings',
      authorization: `Bearer ${API_KEY}`,
      body: { model: 'text-embedding-test', input: ['alpha', 'beta'], encoding_format: 'float' },
    });
  });

  it('sends no Authorization header without a key, and tolerates a trailing slash in the base URL', async () => {
    await embedder({ apiKey: undefined, baseUrl: `${baseUrl}/` }).embed(['x'], 'query');
    expect(server.requests[0].path).toBe('/v1/embeddings');
    expect(server.requests[0].authorization).toBeUndefined();
  });

  it('embedQuery returns the prompt tokens the server reported, and none when it reports no usage', async () => {
    server.next((request, response) =>
      json(response, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: vectorFor(request.body.input[0]) }], usage: { prompt_tokens: 9, total_tokens: 9 } }),
    );
    expect(await embedder().embedQuery('harbour')).toEqual({ vector: vectorFor('harbour'), promptTokens: 9 });
    server.next((request, response) => json(response, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: vectorFor(request.body.input[0]) }] }));
    expect(await embedder().embedQuery('harbour')).toEqual({ vector: vectorFor('harbour') });
  });

  it('orders results by `index`, not by position in the response', async () => {
    server.always((request, response) => respondWithVectors(response, request.body.input, { reverse: true }));
    const texts = ['one', 'three', 'seventeen'];
    expect(await embedder().embed(texts, 'document')).toEqual(texts.map(vectorFor));
  });

  it('learns the dimension from the first response', async () => {
    const provider = embedder();
    expect(provider.dimension).toBeUndefined();
    await provider.embed(['a'], 'query');
    expect(provider.dimension).toBe(3);
  });

  it('rejects a response whose dimension differs from the learned or configured one', async () => {
    const provider = embedder();
    await provider.embed(['a'], 'query');
    server.next((_request, response) => json(response, 200, { data: [{ index: 0, embedding: [1, 2] }] }));
    const error = await failure(provider.embed(['b'], 'query'));
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.message).toMatch(/2-dimensional vector where 3 dimensions are expected/);
    expect(error.retryable).toBe(false);

    const configured = await failure(embedder({ dimension: 1024 }).embed(['c'], 'query'));
    expect(configured.message).toMatch(/3-dimensional vector where 1024/);
  });

  it('retries a 429 after its Retry-After (0 s) and then succeeds', async () => {
    server.next((_request, response) => json(response, 429, { error: { message: 'slow down' } }, { 'retry-after': '0' }));
    const started = Date.now();
    expect(await embedder({ maxRetries: 1 }).embed(['hello'], 'document')).toEqual([vectorFor('hello')]);
    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('gives up on repeated 429s as rate limited, passing Retry-After on', async () => {
    server.always((_request, response) => json(response, 429, { error: { message: 'quota' } }, { 'retry-after': '0' }));
    const error = await failure(embedder({ maxRetries: 2 }).embed(['x'], 'document'));
    expect(server.requests).toHaveLength(3);
    expect(error.code).toBe(ErrorCode.RateLimited);
    expect(error.details.retryAfterSeconds).toBe(0);
    expect(error.message).toMatch(/rate limited: answered HTTP 429: quota \(gave up after 3 attempts\)/);
  });

  it('does not wait for a Retry-After longer than it is willing to', async () => {
    server.always((_request, response) => json(response, 429, {}, { 'retry-after': '3600' }));
    const error = await failure(embedder({ maxRetries: 5 }).embed(['x'], 'document'));
    expect(server.requests).toHaveLength(1);
    expect(error.code).toBe(ErrorCode.RateLimited);
    expect(error.details.retryAfterSeconds).toBe(3600);
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    server.next((_request, response) => json(response, 500, { error: { message: 'boom' } }));
    expect(await embedder().embed(['hello'], 'document')).toEqual([vectorFor('hello')]);
    expect(server.requests).toHaveLength(2);
  });

  it('fails with UpstreamError after maxRetries 5xx, without leaking the api key', async () => {
    server.always((_request, response) => json(response, 503, { error: { message: `bad key ${API_KEY} rejected` } }));
    const error = await failure(embedder({ maxRetries: 2 }).embed(['hello'], 'document'));
    expect(server.requests).toHaveLength(3);
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.status).toBe(503);
    expect(error.message).toContain('HTTP 503');
    expect(error.message).toContain('text-embedding-test');
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).toContain('bad key *** rejected');
  });

  it('does not retry a 400', async () => {
    server.always((_request, response) => json(response, 400, { error: { message: 'input too long' } }));
    const error = await failure(embedder({ maxRetries: 3 }).embed(['x'], 'document'));
    expect(server.requests).toHaveLength(1);
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/HTTP 400: input too long$/);
  });

  it('times out a request that takes too long, and retries it', async () => {
    server.always(() => {
      /* never answers */
    });
    const error = await failure(embedder({ timeoutMs: 150, maxRetries: 1 }).embed(['x'], 'document'));
    expect(server.requests).toHaveLength(2);
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.message).toMatch(/timed out after 150 ms/);
  });

  it('rejects a response of the wrong shape without retrying', async () => {
    server.always((_request, response) => json(response, 200, { data: [{ index: 0, embedding: 'AAAA' }] }));
    const error = await failure(embedder().embed(['x'], 'document'));
    expect(server.requests).toHaveLength(1);
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.message).toMatch(/unexpected shape at data\.0\.embedding/);
  });

  it('rejects a response with missing or duplicate indexes', async () => {
    server.always((_request, response) => json(response, 200, { data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [2] }] }));
    const error = await failure(embedder().embed(['x', 'y'], 'document'));
    expect(error.message).toMatch(/duplicate or out-of-range index 0/);
  });

  it('retries network errors and reports them readably', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failure(embedder({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 }).embed(['x'], 'document'));
    expect(error.code).toBe(ErrorCode.UpstreamError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/network error: fetch failed: .*ECONNREFUSED.*\(gave up after 2 attempts\)/);
  });

  it('makes no request for no input', async () => {
    expect(await embedder().embed([], 'document')).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
