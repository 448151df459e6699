import type { AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { z } from 'zod';
import type { EmbeddingProvider, EmbeddingPurpose, QueryEmbedding } from './embedding-provider';

/** What an OpenAI-compatible `POST /embeddings` answers (OpenAI, Ark, Ollama /v1, TEI, vLLM). */
export const embeddingsResponseSchema = z.object({
  data: z.array(
    z.object({
      index: z.number().int().min(0),
      embedding: z.array(z.number()).min(1),
    }),
  ),
  /** OpenAI and most compatible servers report it; some (older TEI, llama.cpp) do not. */
  usage: z.object({ prompt_tokens: z.number().int().min(0) }).partial().optional(),
});

export type EmbeddingConfig = AppConfig['embedding'];

export interface OpenAiEmbedderOptions {
  /** First backoff step; doubles each attempt, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** Cap of one backoff step. Default 20 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the call fails as rate limited. Default 60 s. */
  maxRetryAfterMs?: number;
}

/**
 * An upstream embedding failure. `retryable` says whether trying again later can help
 * (network, timeout, 429, 5xx) or not (other 4xx, bad response, wrong dimension), so a job can
 * be failed permanently at once.
 */
export class EmbeddingUpstreamError extends DomainError {
  constructor(
    code: ErrorCode.UpstreamError | ErrorCode.RateLimited,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    retryAfterSeconds?: number,
    cause?: unknown,
  ) {
    super(code, message, { retryAfterSeconds, cause });
    this.name = 'EmbeddingUpstreamError';
  }
}

/** One failed attempt: what to tell the caller, and whether and when another attempt may help. */
interface AttemptFailure {
  error: EmbeddingUpstreamError;
  retryAfterMs?: number;
}

/** One batch's vectors, in input order, and the prompt tokens the server reported for it. */
interface Embedded {
  vectors: number[][];
  promptTokens?: number;
}

const MAX_ERROR_BODY_CHARS = 300;

/** Seconds (possibly fractional) or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isRetryableStatus(status: number): boolean {
  // 408 is a timeout reported by the server: as transient as a 5xx (the OpenAI SDK retries it too).
  return status === 429 || status === 408 || status >= 500;
}

/**
 * OpenAI-compatible embeddings over plain `fetch`: batches of `batchSize`, one timeout per request,
 * retries with exponential backoff and jitter for network errors, timeouts, 408, 429 and 5xx
 * (honouring Retry-After), none for other 4xx. The vector length is learned from the first answer
 * (or taken from `dimension`) and every later answer must match it.
 */
export class OpenAiEmbedder implements EmbeddingProvider {
  readonly worthCaching = true;
  readonly model: string;
  private learnedDimension: number | undefined;
  private readonly url: string;
  /** The URL without credentials or query, for error messages. */
  private readonly safeUrl: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;

  constructor(
    private readonly config: EmbeddingConfig,
    options: OpenAiEmbedderOptions = {},
  ) {
    if (!config.baseUrl) throw new Error('OpenAiEmbedder needs embedding.baseUrl (EMBEDDING_BASE_URL)');
    this.model = config.model;
    this.learnedDimension = config.dimension;
    this.url = `${config.baseUrl.replace(/\/+$/, '')}/embeddings`;
    const parsed = new URL(this.url);
    this.safeUrl = `${parsed.origin}${parsed.pathname}`;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  }

  get dimension(): number | undefined {
    return this.learnedDimension;
  }

  async embed(texts: string[], _purpose: EmbeddingPurpose): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.config.batchSize) {
      vectors.push(...(await this.embedBatch(texts.slice(start, start + this.config.batchSize))).vectors);
    }
    return vectors;
  }

  async embedQuery(text: string): Promise<QueryEmbedding> {
    const { vectors, promptTokens } = await this.embedBatch([text]);
    return { vector: vectors[0], ...(promptTokens === undefined ? {} : { promptTokens }) };
  }

  private async embedBatch(input: string[]): Promise<Embedded> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(input);
      if (!('error' in outcome)) return outcome;
      const { error, retryAfterMs } = outcome;
      if (!error.retryable) throw error;
      if (retryAfterMs !== undefined && retryAfterMs > this.maxRetryAfterMs) throw error;
      if (attempt >= this.config.maxRetries) {
        const attempts = attempt + 1;
        throw new EmbeddingUpstreamError(
          error.code as ErrorCode.UpstreamError | ErrorCode.RateLimited,
          `${error.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
          true,
          error.status,
          error.details.retryAfterSeconds,
          error.cause,
        );
      }
      await sleep(retryAfterMs ?? this.backoff(attempt));
    }
  }

  /** Exponential backoff with "equal jitter": between half and all of base * 2^attempt, capped. */
  private backoff(attempt: number): number {
    const step = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** attempt);
    return step / 2 + Math.random() * (step / 2);
  }

  private async attempt(input: string[]): Promise<Embedded | AttemptFailure> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    let response: Response;
    let body: unknown;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.model, input, encoding_format: 'float' }),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      if (!response.ok) return await this.httpFailure(response);
      const text = await response.text();
      try {
        body = JSON.parse(text);
      } catch (cause) {
        return this.failure(`answered HTTP ${response.status} with a body that is not JSON`, false, response.status, cause);
      }
    } catch (cause) {
      const timedOut = isErrorLike(cause) && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      const reason = timedOut ? `timed out after ${this.config.timeoutMs} ms` : `network error: ${this.redact(describe(cause))}`;
      return this.failure(reason, true, undefined, cause);
    }
    return this.vectorsFrom(body, input.length);
  }

  private async httpFailure(response: Response): Promise<AttemptFailure> {
    const status = response.status;
    const detail = this.redact(await readErrorDetail(response));
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    const reason = `answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
    const retryable = isRetryableStatus(status);
    if (status === 429) {
      const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
      const error = new EmbeddingUpstreamError(
        ErrorCode.RateLimited,
        this.message(`rate limited: ${reason}`),
        true,
        status,
        retryAfterSeconds,
      );
      return { error, retryAfterMs };
    }
    return { ...this.failure(reason, retryable, status), retryAfterMs: retryable ? retryAfterMs : undefined };
  }

  private vectorsFrom(body: unknown, expected: number): Embedded | AttemptFailure {
    const parsed = embeddingsResponseSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      return this.failure(`answered with an unexpected shape${where}: ${issue.message}`, false);
    }
    const data = parsed.data.data;
    if (data.length !== expected) {
      return this.failure(`answered ${data.length} embeddings for ${expected} inputs`, false);
    }
    const vectors = new Array<number[] | undefined>(expected);
    for (const item of data) {
      if (item.index >= expected || vectors[item.index] !== undefined) {
        return this.failure(`answered a duplicate or out-of-range index ${item.index}`, false);
      }
      vectors[item.index] = item.embedding;
    }
    const ordered = vectors as number[][];
    const dimension = this.learnedDimension ?? ordered[0].length;
    const wrong = ordered.find((vector) => vector.length !== dimension);
    if (wrong) {
      return this.failure(
        `answered a ${wrong.length}-dimensional vector where ${dimension} dimensions are expected; ` +
          'check EMBEDDING_MODEL and EMBEDDING_DIMENSION (a changed model needs a re-index)',
        false,
      );
    }
    this.learnedDimension = dimension;
    return { vectors: ordered, promptTokens: parsed.data.usage?.prompt_tokens };
  }

  private failure(reason: string, retryable: boolean, status?: number, cause?: unknown): AttemptFailure {
    return { error: new EmbeddingUpstreamError(ErrorCode.UpstreamError, this.message(reason), retryable, status, undefined, cause) };
  }

  private message(reason: string): string {
    return `Embedding model "${this.model}" at ${this.safeUrl} ${reason}`;
  }

  /** Upstreams sometimes echo the key they rejected; never let it reach a log or a client. */
  private redact(text: string): string {
    const key = this.config.apiKey;
    return key && key.length >= 4 ? text.split(key).join('***') : text;
  }
}

/** The upstream's own error message (OpenAI shape `{error:{message}}` or `{message}`), else the body's start. */
async function readErrorDetail(response: Response): Promise<string> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return '';
  }
  try {
    const json: unknown = JSON.parse(text);
    const message = z
      .union([z.object({ error: z.object({ message: z.string() }) }), z.object({ error: z.string() }), z.object({ message: z.string() })])
      .safeParse(json);
    if (message.success) {
      const value = message.data;
      text = 'message' in value ? value.message : typeof value.error === 'string' ? value.error : value.error.message;
    }
  } catch {
    /* not JSON: use the text as it is */
  }
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_ERROR_BODY_CHARS ? `${flat.slice(0, MAX_ERROR_BODY_CHARS)}...` : flat;
}

interface ErrorLike {
  name: string;
  message: string;
  cause?: unknown;
}

/** Duck-typed: errors thrown by Node's own fetch may come from another realm (e.g. under Jest). */
function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as ErrorLike).message === 'string';
}

function describe(cause: unknown): string {
  if (!isErrorLike(cause)) return String(cause);
  // undici reports "fetch failed" with the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
  const inner = isErrorLike(cause.cause) ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
