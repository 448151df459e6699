import { DomainError, ErrorCode } from '@fjord/common';

/** The wire shape of an error in each API family (api.md). */
export type ApiFamily = 'viking' | 'ark' | 'bot' | 'openapi' | 'plain';

export interface RenderedError {
  status: number;
  body: unknown;
}

export function apiFamilyOf(path: string, query: Record<string, unknown> = {}): ApiFamily {
  if (path.startsWith('/api/knowledge/')) return 'viking';
  if (path.startsWith('/api/v3/') || path.startsWith('/v1/')) return 'ark';
  if (path.startsWith('/api/v2/bots')) return 'bot';
  if ((path === '/' || path === '') && typeof query.Action === 'string') return 'openapi';
  return 'plain';
}

const VIKING: Record<ErrorCode, [code: number, status: number]> = {
  [ErrorCode.Unauthorized]: [1000001, 401],
  [ErrorCode.Forbidden]: [1000002, 403],
  [ErrorCode.InvalidRequest]: [1000003, 400],
  [ErrorCode.MissingParameter]: [1000003, 400],
  [ErrorCode.UnsupportedMediaType]: [1000003, 400],
  [ErrorCode.PayloadTooLarge]: [1000003, 413],
  [ErrorCode.CollectionExists]: [1000004, 409],
  [ErrorCode.CollectionNotFound]: [1000005, 404],
  [ErrorCode.DocNotFound]: [1001001, 404],
  [ErrorCode.PointNotFound]: [1002001, 404],
  [ErrorCode.ContextNotFound]: [1000003, 404],
  [ErrorCode.ModelNotFound]: [1000003, 404],
  [ErrorCode.BotNotFound]: [1000003, 404],
  [ErrorCode.RouteNotFound]: [1000003, 404],
  [ErrorCode.RateLimited]: [1000029, 429],
  // api.md's table gives 1000028 one status, 500, whatever failed; the message says which upstream it was.
  [ErrorCode.UpstreamError]: [1000028, 500],
  [ErrorCode.Unavailable]: [1000028, 500],
  [ErrorCode.Internal]: [1000028, 500],
};

/** Ark (and OpenAI-style) errors: [status, code, type]. */
const ARK: Record<ErrorCode, [status: number, code: string, type: string]> = {
  [ErrorCode.Unauthorized]: [401, 'AuthenticationError', 'Unauthorized'],
  [ErrorCode.Forbidden]: [403, 'AccessDenied', 'Forbidden'],
  [ErrorCode.InvalidRequest]: [400, 'InvalidParameter', 'BadRequest'],
  [ErrorCode.MissingParameter]: [400, 'MissingParameter', 'BadRequest'],
  [ErrorCode.UnsupportedMediaType]: [400, 'InvalidParameter', 'BadRequest'],
  [ErrorCode.PayloadTooLarge]: [413, 'InvalidParameter', 'BadRequest'],
  [ErrorCode.CollectionExists]: [409, 'InvalidParameter', 'BadRequest'],
  [ErrorCode.CollectionNotFound]: [404, 'InvalidParameter', 'NotFound'],
  [ErrorCode.DocNotFound]: [404, 'InvalidParameter', 'NotFound'],
  [ErrorCode.PointNotFound]: [404, 'InvalidParameter', 'NotFound'],
  [ErrorCode.ContextNotFound]: [404, 'ContextNotFound', 'NotFound'],
  [ErrorCode.ModelNotFound]: [404, 'InvalidEndpointOrModel.NotFound', 'NotFound'],
  [ErrorCode.BotNotFound]: [404, 'InvalidEndpointOrModel.NotFound', 'NotFound'],
  [ErrorCode.RouteNotFound]: [404, 'NotFound', 'NotFound'],
  [ErrorCode.RateLimited]: [429, 'RateLimitExceeded', 'TooManyRequests'],
  [ErrorCode.UpstreamError]: [502, 'UpstreamError', 'BadGateway'],
  [ErrorCode.Unavailable]: [503, 'ServiceUnavailable', 'ServiceUnavailable'],
  [ErrorCode.Internal]: [500, 'InternalServiceError', 'InternalServerError'],
};

export function renderError(family: ApiFamily, error: DomainError, requestId: string): RenderedError {
  switch (family) {
    case 'viking': {
      const [code, status] = VIKING[error.code];
      return { status, body: { code, message: error.message, data: null, request_id: requestId } };
    }
    case 'ark': {
      const [status, code, type] = ARK[error.code];
      return { status, body: { error: { code, message: error.message, param: error.details.param ?? '', type } } };
    }
    case 'bot': {
      const [status, code] = ARK[error.code];
      return { status, body: { req_id: requestId, error: { code, message: error.message } } };
    }
    case 'openapi': {
      const [status, code] = ARK[error.code];
      return {
        status,
        body: { ResponseMetadata: { RequestId: requestId, Error: { Code: code, Message: error.message } } },
      };
    }
    case 'plain': {
      const [status, code] = ARK[error.code];
      return { status, body: { error: { code, message: error.message }, request_id: requestId } };
    }
  }
}
