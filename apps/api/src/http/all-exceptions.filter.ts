import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodValidationException } from 'nestjs-zod';
import { ZodError } from 'zod';
import { DomainError, ErrorCode } from '@fjord/common';
import { isConnectionLost } from '@fjord/database';
import { apiFamilyOf, renderError } from './error-envelopes';

/** `messages.0.role: Invalid option ...; model: Required` — names every bad field. */
export function describeZodError(error: ZodError): { message: string; param?: string; missing: boolean } {
  const issues = error.issues.slice(0, 5);
  const param = issues[0]?.path.join('.') || undefined;
  const missing = issues.some((issue) => issue.code === 'invalid_type' && /received undefined/.test(issue.message));
  const message = issues
    .map((issue) => {
      const path = issue.path.join('.');
      const text = issue.code === 'invalid_type' && /received undefined/.test(issue.message) ? 'is required' : issue.message;
      return path ? `${path}: ${text}` : text;
    })
    .join('; ');
  return { message: message || 'invalid request', param, missing };
}

function fromHttpException(exception: HttpException): DomainError {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const message =
    typeof response === 'object' && response !== null && 'message' in response
      ? String(Array.isArray(response.message) ? response.message.join('; ') : response.message)
      : exception.message;
  if (status === 413) return new DomainError(ErrorCode.PayloadTooLarge, `request body too large: ${message}`);
  if (status === 404) return new DomainError(ErrorCode.RouteNotFound, `no such endpoint: ${message}`);
  if (status === 401) return new DomainError(ErrorCode.Unauthorized, message);
  if (status === 403) return new DomainError(ErrorCode.Forbidden, message);
  if (status === 429) return new DomainError(ErrorCode.RateLimited, message);
  if (status >= 400 && status < 500) return new DomainError(ErrorCode.InvalidRequest, message);
  return new DomainError(ErrorCode.Internal, 'internal error');
}

/** Express's body-parser errors arrive as plain errors with a `type` and `status`. */
function fromBodyParserError(error: { type?: string; status?: number; message: string }): DomainError | undefined {
  if (error.type === 'entity.too.large') return new DomainError(ErrorCode.PayloadTooLarge, 'request body too large');
  if (error.type === 'entity.parse.failed') return DomainError.invalid(`malformed JSON body: ${error.message}`);
  if (error.type && error.status && error.status < 500) return DomainError.invalid(error.message);
  return undefined;
}

/** Postgres refusing a NUL in text (22021) or jsonb (22P05): bad input wherever it came from. */
function isUnstorableCharacter(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05';
}

export function toDomainError(exception: unknown): DomainError {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof ZodValidationException) {
    const described = describeZodError(exception.getZodError() as ZodError);
    return new DomainError(described.missing ? ErrorCode.MissingParameter : ErrorCode.InvalidRequest, described.message, {
      param: described.param,
    });
  }
  if (exception instanceof ZodError) return DomainError.invalid(describeZodError(exception).message);
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isUnstorableCharacter(exception)) {
    return DomainError.invalid('a value contains a character that cannot be stored (such as NUL, \\u0000)');
  }
  if (isConnectionLost(exception)) {
    // A dropped database connection (failover, pooler restart) is transient: say so, and when to retry.
    return new DomainError(ErrorCode.Unavailable, 'the database connection was lost; retry the request', { cause: exception, retryAfterSeconds: 1 });
  }
  if (exception instanceof Error) {
    const parsed = fromBodyParserError(exception as Error & { type?: string; status?: number });
    if (parsed) return parsed;
  }
  return new DomainError(ErrorCode.Internal, 'internal error', { cause: exception });
}

/** One filter for the whole app; the envelope is chosen by the API family the path belongs to. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const error = toDomainError(exception);
    const requestId = String(request.id ?? response.getHeader('X-Request-Id') ?? '');
    if (error.code === ErrorCode.Internal) {
      this.logger.error({ err: exception, requestId, path: request.path }, 'unhandled error');
    }
    if (response.headersSent) {
      // A stream already started: its own code writes the in-band error; just end it.
      if (!response.writableEnded) response.end();
      return;
    }
    const rendered = renderError(apiFamilyOf(request.path, request.query as Record<string, unknown>), error, requestId);
    if (error.details.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.details.retryAfterSeconds));
    response.status(rendered.status).json(rendered.body);
  }
}
