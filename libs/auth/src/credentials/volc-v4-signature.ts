import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Volcengine's V4 request signature (HMAC-SHA256), as the official SDKs compute it: a canonical
 * request over method, path, query, the signed headers and the body hash, a string to sign over the
 * date and credential scope, and a signing key derived from the secret key by four HMACs.
 */

export const V4_ALGORITHM = 'HMAC-SHA256';

export interface V4Authorization {
  accessKeyId: string;
  /** YYYYMMDD */
  date: string;
  region: string;
  service: string;
  /** Lower-case header names in the order the client signed them. */
  signedHeaders: string[];
  signature: string;
}

export interface CanonicalRequestParts {
  method: string;
  /** The request path as received (percent-encoded or not), without the query. */
  path: string;
  /** The raw query string without `?` (as received). */
  query: string;
  /** Signed header name (lower case) -> value as received. */
  headers: Record<string, string>;
  signedHeaders: string[];
  bodyHash: string;
}

const AUTHORIZATION = /^HMAC-SHA256\s+(.+)$/;

/** Parses `HMAC-SHA256 Credential=AK/date/region/service/request, SignedHeaders=a;b, Signature=hex`; undefined when malformed. */
export function parseV4Authorization(header: string): V4Authorization | undefined {
  const match = AUTHORIZATION.exec(header.trim());
  if (!match) return undefined;
  const fields = new Map<string, string>();
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 5 || credential[4] !== 'request' || !signedHeaders || !signature) return undefined;
  const [accessKeyId, date, region, service] = credential;
  if (!accessKeyId || !/^\d{8}$/.test(date) || !region || !service || !/^[0-9a-f]{64}$/i.test(signature)) return undefined;
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(';').map((name) => name.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

/** `20240102T030405Z` -> epoch milliseconds; undefined when not in that form. */
export function parseXDate(value: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Rejects 20241341T..., which Date.UTC would silently roll over.
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && back.getUTCHours() === h ? ms : undefined;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Percent-encodes everything except the unreserved characters A-Z a-z 0-9 - _ . ~ (and `/` when asked). */
function encode(value: string, keepSlash: boolean): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char) || (keepSlash && char === '/')) out += char;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

export function canonicalPath(rawPath: string): string {
  if (rawPath === '') return '/';
  return encode(decode(rawPath), true);
}

export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [encode(decode(key), false), encode(decode(value), false)] as const;
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** `host` as the SDKs sign it: the default ports :80 and :443 are dropped. */
export function canonicalHeaderValue(name: string, value: string): string {
  const trimmed = value.trim();
  if (name === 'host') return trimmed.replace(/:(80|443)$/, '');
  return trimmed;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  const headerLines = parts.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(name, parts.headers[name] ?? '')}\n`).join('');
  return [parts.method.toUpperCase(), canonicalPath(parts.path), canonicalQuery(parts.query), headerLines, parts.signedHeaders.join(';'), parts.bodyHash].join('\n');
}

export function stringToSign(xDate: string, scope: string, canonical: string): string {
  return [V4_ALGORITHM, xDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(secretAccessKey, date), region), service), 'request');
}

export function credentialScope(auth: Pick<V4Authorization, 'date' | 'region' | 'service'>): string {
  return `${auth.date}/${auth.region}/${auth.service}/request`;
}

/** The hex signature for a request; the verifier compares it with the client's in constant time. */
export function computeSignature(secretAccessKey: string, auth: Omit<V4Authorization, 'signature' | 'accessKeyId'>, xDate: string, parts: CanonicalRequestParts): string {
  const key = signingKey(secretAccessKey, auth.date, auth.region, auth.service);
  return createHmac('sha256', key).update(stringToSign(xDate, credentialScope(auth), canonicalRequest(parts)), 'utf8').digest('hex');
}

export function signaturesEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
