/**
 * Libraries throw DomainError with a code from this enum; each API family's envelope
 * (Viking, Ark, Bot/OpenAI) maps the code to its own wire code and HTTP status.
 * Nothing below the HTTP layer knows about HTTP.
 */
export enum ErrorCode {
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  InvalidRequest = 'invalid_request',
  MissingParameter = 'missing_parameter',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  CollectionExists = 'collection_exists',
  CollectionNotFound = 'collection_not_found',
  DocNotFound = 'doc_not_found',
  PointNotFound = 'point_not_found',
  ContextNotFound = 'context_not_found',
  ModelNotFound = 'model_not_found',
  BotNotFound = 'bot_not_found',
  /** No such endpoint. */
  RouteNotFound = 'route_not_found',
  RateLimited = 'rate_limited',
  UpstreamError = 'upstream_error',
  Unavailable = 'unavailable',
  Internal = 'internal',
}

export interface DomainErrorDetails {
  /** The request field the error is about, e.g. `messages[2].role`. */
  param?: string;
  /** Seconds a client should wait before retrying (rate limits, upstream 429). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: DomainErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DomainError';
  }

  static invalid(message: string, param?: string): DomainError {
    return new DomainError(ErrorCode.InvalidRequest, message, { param });
  }
}

/**
 * A failure that retrying cannot fix (corrupt file, unsupported content). The job runner
 * marks the document failed at once instead of retrying.
 */
export class PermanentError extends Error {
  constructor(
    readonly failedCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}
