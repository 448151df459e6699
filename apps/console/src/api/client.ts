import createClient from 'openapi-fetch';
import type { paths } from './schema';

/** Sent on every request: with the SameSite=Strict cookie it is what lets a state change through (CSRF). */
export const CONSOLE_HEADERS = { 'x-fjord-console': '1' };

/** The typed client, generated from fjord's own OpenAPI document (src/api/schema.d.ts). */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin', headers: CONSOLE_HEADERS });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string | number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The message of any of fjord's error envelopes (Viking, Ark, bot, plain). */
export function errorMessage(body: unknown, status: number): ApiError {
  const b = body as { message?: string; code?: number; error?: { message?: string; code?: string } } | undefined;
  if (b?.error?.message) return new ApiError(status, b.error.message, b.error.code);
  if (typeof b?.message === 'string') return new ApiError(status, b.message, b.code);
  return new ApiError(status, `HTTP ${status}`);
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** A Viking answer's `data`, or an ApiError with the server's message. */
export function vikingData<T extends object>(result: Result<T>): T extends { data: infer D } ? D : null {
  if (result.error !== undefined || !result.data) throw errorMessage(result.error, result.response.status);
  return ((result.data as { data?: unknown }).data ?? null) as T extends { data: infer D } ? D : null;
}

/** A plain JSON answer, or an ApiError with the server's message. */
export function jsonData<T>(result: Result<T>): T {
  if (result.error !== undefined || result.data === undefined) throw errorMessage(result.error, result.response.status);
  return result.data;
}
