import { canonicalPath, canonicalQuery, computeSignature, parseV4Authorization, parseXDate, sha256Hex } from './volc-v4-signature';

/**
 * Fixed vectors, computed once outside fjord (Python's hashlib/hmac, following the algorithm in
 * api.md section 5 step by step), for the bodies the SDKs send.
 */
const SECRET = 'c2VjcmV0LWtleS1mb3ItdGVzdHM=';
const X_DATE = '20261130T101500Z';

describe('Volcengine V4 signature', () => {
  it('matches the fixed vector for a Viking doc/list call signed for service air', () => {
    const body = '{"collection_name":"handbook","offset":0,"limit":-1,"doc_type":null,"project":"default","filter":null}';
    const bodyHash = sha256Hex(body);
    expect(bodyHash).toBe('329417f69dcd527e5dc9503d7fde1072db2de2e977a8d719e36b2ba281802ae9');
    const signedHeaders = ['content-type', 'host', 'x-content-sha256', 'x-date'];
    const signature = computeSignature(SECRET, { date: '20261130', region: 'cn-beijing', service: 'air', signedHeaders }, X_DATE, {
      method: 'POST',
      path: '/api/knowledge/doc/list',
      query: '',
      headers: { 'content-type': 'application/json', host: '127.0.0.1:3000', 'x-content-sha256': bodyHash, 'x-date': X_DATE },
      signedHeaders,
      bodyHash,
    });
    expect(signature).toBe('96d929281f9c0206b2e2ec19ed0ccb0dea253f8436b42cf663aefd7dc4609e71');
  });

  it('matches the fixed vector for GetApiKey (query string, service ark, host on port 80 signed without it)', () => {
    const body = '{"DurationSeconds":3600,"ResourceType":"bot","ResourceIds":["bot-20261130101500-0123456789abcdef"]}';
    const bodyHash = sha256Hex(body);
    expect(bodyHash).toBe('e32a531a49a67e4500df684d3c55535f205cd3c59772fced7cabd1c548b1ce6c');
    const signedHeaders = ['content-type', 'host', 'x-content-sha256', 'x-date'];
    const signature = computeSignature(SECRET, { date: '20261130', region: 'cn-beijing', service: 'ark', signedHeaders }, X_DATE, {
      method: 'POST',
      path: '/',
      // Received in another order: the canonical query sorts it.
      query: 'Version=2024-01-01&Action=GetApiKey',
      headers: { 'content-type': 'application/json', host: 'localhost:80', 'x-content-sha256': bodyHash, 'x-date': X_DATE },
      signedHeaders,
      bodyHash,
    });
    expect(signature).toBe('531e48e70ca40c8eddc80bba25ee9b7b4c9d18a8f4021e2ffb9c3d87e8a86bd3');
  });

  it('canonicalises paths and queries as the SDKs do', () => {
    expect(canonicalPath('')).toBe('/');
    expect(canonicalPath('/api/knowledge/doc%20list/é')).toBe('/api/knowledge/doc%20list/%C3%A9');
    expect(canonicalQuery('b=2&a=x%20y&a=1&c=~ok*')).toBe('a=1&a=x%20y&b=2&c=~ok%2A');
    expect(canonicalQuery('')).toBe('');
  });

  it('parses the Authorization header and X-Date, refusing malformed ones', () => {
    expect(parseV4Authorization(`HMAC-SHA256 Credential=AK/20261130/cn-beijing/air/request, SignedHeaders=Host;x-date, Signature=${'a'.repeat(64)}`)).toEqual({
      accessKeyId: 'AK',
      date: '20261130',
      region: 'cn-beijing',
      service: 'air',
      signedHeaders: ['host', 'x-date'],
      signature: 'a'.repeat(64),
    });
    expect(parseV4Authorization('HMAC-SHA256 Credential=AK/20261130/cn-beijing/air/other, SignedHeaders=host, Signature=' + 'a'.repeat(64))).toBeUndefined();
    expect(parseV4Authorization('HMAC-SHA256 Credential=AK/20261130/cn-beijing/air/request, SignedHeaders=host, Signature=xyz')).toBeUndefined();
    expect(parseXDate('20261130T101500Z')).toBe(Date.UTC(2026, 10, 30, 10, 15, 0));
    expect(parseXDate('20261340T101500Z')).toBeUndefined();
    expect(parseXDate('2026-11-30T10:15:00Z')).toBeUndefined();
  });
});
