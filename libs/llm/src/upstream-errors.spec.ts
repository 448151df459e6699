import { ErrorCode } from '@fjord/common';
import { describeUpstreamFailure, isRetryable, parseRetryAfter, toUpstreamDomainError } from './upstream-errors';

describe('upstream errors', () => {
  it('parses Retry-After seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after': '7' }))).toBe(7000);
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '1500', 'retry-after': '7' }))).toBe(1500);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({}))).toBeUndefined();
  });

  it('retries 429, 5xx and connection failures, not other 4xx or aborts', () => {
    expect(isRetryable(describeUpstreamFailure({ status: 429 }))).toBe(true);
    expect(isRetryable(describeUpstreamFailure({ status: 503 }))).toBe(true);
    expect(isRetryable(describeUpstreamFailure(new TypeError('fetch failed')))).toBe(true);
    expect(isRetryable(describeUpstreamFailure({ status: 400 }))).toBe(false);
    expect(isRetryable(describeUpstreamFailure(Object.assign(new Error('x'), { name: 'AbortError' })))).toBe(false);
  });

  it('maps to the Ark codes: 429 RateLimited with seconds, 404 ModelNotFound, 400 InvalidRequest, else UpstreamError', () => {
    const limited = toUpstreamDomainError(describeUpstreamFailure({ status: 429, headers: new Headers({ 'retry-after': '3' }), message: 'slow down' }));
    expect(limited.code).toBe(ErrorCode.RateLimited);
    expect(limited.details.retryAfterSeconds).toBe(3);
    expect(toUpstreamDomainError(describeUpstreamFailure({ status: 404, message: 'x' })).code).toBe(ErrorCode.ModelNotFound);
    expect(toUpstreamDomainError(describeUpstreamFailure({ status: 400, message: 'x' })).code).toBe(ErrorCode.InvalidRequest);
    expect(toUpstreamDomainError(describeUpstreamFailure({ status: 500, message: 'x' })).code).toBe(ErrorCode.UpstreamError);
    expect(toUpstreamDomainError(describeUpstreamFailure(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).code).toBe(ErrorCode.UpstreamError);
  });
});
