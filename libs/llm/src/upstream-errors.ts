import { DomainError, ErrorCode } from '@fjord/common';

/** What fjord learns from a failed upstream call, whatever layer (openai SDK, LangChain, fetch) raised it. */
export interface UpstreamFailure {
  status?: number;
  retryAfterMs?: number;
  message: string;
  aborted: boolean;
  timedOut: boolean;
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** `Retry-After` (seconds or an HTTP date) and `retry-after-ms`, in milliseconds. */
export function parseRetryAfter(headers: unknown, now = Date.now()): number | undefined {
  const ms = headerOf(headers, 'retry-after-ms');
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headerOf(headers, 'retry-after');
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function describeUpstreamFailure(error: unknown): UpstreamFailure {
  const e = (error ?? {}) as { status?: unknown; headers?: unknown; message?: unknown; name?: unknown; error?: { message?: unknown } };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const upstreamMessage = typeof e.error?.message === 'string' ? e.error.message : undefined;
  const message = upstreamMessage ?? (typeof e.message === 'string' ? e.message : String(error));
  const name = typeof e.name === 'string' ? e.name : '';
  return {
    status,
    retryAfterMs: parseRetryAfter(e.headers),
    message,
    aborted: name === 'AbortError' || (status === undefined && /^AbortError$|aborted/i.test(message)),
    timedOut: name === 'TimeoutError' || /timed? ?out/i.test(message),
  };
}

/** 429 and 5xx, timeouts and broken connections are worth another attempt; other 4xx are not. */
export function isRetryable(failure: UpstreamFailure): boolean {
  if (failure.aborted) return false;
  if (failure.status === undefined) return true;
  return failure.status === 408 || failure.status === 409 || failure.status === 429 || failure.status >= 500;
}

/** Maps an upstream failure to the error the client sees (api.md section 2: 429, 502, 404 model, 400). */
export function toUpstreamDomainError(failure: UpstreamFailure, cause?: unknown): DomainError {
  const retryAfterSeconds = failure.retryAfterMs === undefined ? undefined : Math.ceil(failure.retryAfterMs / 1000);
  const { status } = failure;
  if (status === 429) {
    return new DomainError(ErrorCode.RateLimited, `the upstream model is rate limited: ${failure.message}`, { retryAfterSeconds, cause });
  }
  if (status === 404) return new DomainError(ErrorCode.ModelNotFound, `the upstream does not know this model: ${failure.message}`, { param: 'model', cause });
  if (status === 400 || status === 422) return new DomainError(ErrorCode.InvalidRequest, `the upstream model rejected the request: ${failure.message}`, { cause });
  if (failure.timedOut) return new DomainError(ErrorCode.UpstreamError, `the upstream model timed out: ${failure.message}`, { cause });
  const prefix = status === undefined ? 'the upstream model call failed' : `the upstream model returned HTTP ${status}`;
  return new DomainError(ErrorCode.UpstreamError, `${prefix}: ${failure.message}`, { cause });
}

export function abortError(): Error {
  const error = new Error('the request was aborted');
  error.name = 'AbortError';
  return error;
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}

/** Resolves after ms, or rejects with an AbortError as soon as signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
