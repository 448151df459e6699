import { createHash, createHmac } from 'node:crypto';

/**
 * An independent Volcengine V4 signer for tests, written from the algorithm in api.md section 5 (the
 * same steps as the official SDKs), deliberately sharing no code with fjord's verifier.
 */
export interface SignOptions {
  accessKeyId: string;
  secretAccessKey: string;
  method: string;
  /** The full URL the request goes to. */
  url: string;
  body: string;
  region?: string;
  service?: string;
  date?: Date;
  securityToken?: string;
  /** Leave out X-Content-Sha256 (the server then hashes the body itself). */
  omitContentSha256?: boolean;
  extraHeaders?: Record<string, string>;
}

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmacSha256 = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const pct = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function xDateOf(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Returns the headers to send (content-type, host, x-date, x-content-sha256, authorization, ...). */
export function signV4(options: SignOptions): Record<string, string> {
  const url = new URL(options.url);
  const xDate = xDateOf(options.date ?? new Date());
  const shortDate = xDate.slice(0, 8);
  const region = options.region ?? 'cn-beijing';
  const service = options.service ?? 'air';
  const bodyHash = sha256(options.body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Host: url.host, 'X-Date': xDate, ...options.extraHeaders };
  if (!options.omitContentSha256) headers['X-Content-Sha256'] = bodyHash;
  if (options.securityToken) headers['X-Security-Token'] = options.securityToken;

  // As the Python SDK does: sign Content-Type, Host and every X- header, sorted by lower-case name.
  const signed = Object.keys(headers)
    .map((name) => [name.toLowerCase(), headers[name].trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const pairs = [...url.searchParams.entries()].map(([k, v]) => `${pct(k)}=${pct(v)}`).sort();
  const canonical = [
    options.method,
    url.pathname.split('/').map((segment) => pct(decodeURIComponent(segment))).join('/') || '/',
    pairs.join('&'),
    signed.map(([name, value]) => `${name}:${value}\n`).join(''),
    signed.map(([name]) => name).join(';'),
    bodyHash,
  ].join('\n');
  const scope = `${shortDate}/${region}/${service}/request`;
  const toSign = ['HMAC-SHA256', xDate, scope, sha256(canonical)].join('\n');
  const key = hmacSha256(hmacSha256(hmacSha256(hmacSha256(options.secretAccessKey, shortDate), region), service), 'request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  headers.Authorization = `HMAC-SHA256 Credential=${options.accessKeyId}/${scope}, SignedHeaders=${signed.map(([name]) => name).join(';')}, Signature=${signature}`;
  return headers;
}
