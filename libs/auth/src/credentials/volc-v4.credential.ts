import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { AccessKeyService } from '../access-keys/access-key.service';
import { Authentication, CredentialKind, RequestHead } from './credential-kind';
import {
  CanonicalRequestParts,
  V4_ALGORITHM,
  computeSignature,
  parseV4Authorization,
  parseXDate,
  sha256Hex,
  signaturesEqual,
} from './volc-v4-signature';

const REQUIRED_SIGNED_HEADERS = ['host', 'x-date'];

function refuse(message: string): DomainError {
  return new DomainError(ErrorCode.Unauthorized, `V4 signature refused: ${message}`);
}

function header(head: RequestHead, name: string): string | undefined {
  const value = head.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * `Authorization: HMAC-SHA256 Credential=AK/date/region/service/request, SignedHeaders=..., Signature=...`
 * (the Volcengine SDKs). Everything the headers can prove is checked before the body is read: the
 * access key, the dates, the signed headers, and, when the client sent X-Content-Sha256 (the SDKs do),
 * the signature over that hash. The raw body is then hashed before it is parsed and must match.
 */
@Injectable()
export class VolcV4Credential implements CredentialKind {
  readonly name = 'volc-v4';

  constructor(
    private readonly accessKeys: AccessKeyService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  presentIn(head: RequestHead): boolean {
    return (header(head, 'authorization') ?? '').trimStart().startsWith(V4_ALGORITHM);
  }

  async authenticate(head: RequestHead, now: Date): Promise<Authentication> {
    const auth = parseV4Authorization(header(head, 'authorization') ?? '');
    if (!auth) {
      throw refuse('malformed Authorization header: expected HMAC-SHA256 Credential=<AK>/<YYYYMMDD>/<region>/<service>/request, SignedHeaders=<h1;h2>, Signature=<64 hex>');
    }
    const xDate = header(head, 'x-date');
    if (!xDate) throw refuse('the X-Date header is missing');
    const signedAt = parseXDate(xDate);
    if (signedAt === undefined) throw refuse(`X-Date ${JSON.stringify(xDate)} is not in the form YYYYMMDDTHHMMSSZ`);
    if (xDate.slice(0, 8) !== auth.date) throw refuse(`the credential date ${auth.date} differs from the X-Date date ${xDate.slice(0, 8)}`);
    const skewSeconds = Math.round((signedAt - now.getTime()) / 1000);
    const maxSkew = this.config.accessKeys.maxSkewSeconds;
    if (Math.abs(skewSeconds) > maxSkew) {
      const when = skewSeconds < 0 ? `${-skewSeconds} s in the past` : `${skewSeconds} s in the future`;
      throw refuse(`X-Date is ${when}; the allowed clock skew is ${maxSkew} s (check the client's clock)`);
    }
    for (const required of REQUIRED_SIGNED_HEADERS) {
      if (!auth.signedHeaders.includes(required)) throw refuse(`the ${required} header must be signed (SignedHeaders=${auth.signedHeaders.join(';')})`);
    }
    if (header(head, 'x-security-token') !== undefined && !auth.signedHeaders.includes('x-security-token')) {
      throw refuse('X-Security-Token was sent but not signed');
    }
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = header(head, name);
      if (value === undefined) throw refuse(`the signed header ${name} is not in the request`);
      headers[name] = value;
    }

    const secret = await this.accessKeys.secretFor(auth.accessKeyId);
    if (secret === undefined) throw refuse(`unknown access key ${auth.accessKeyId}`);

    const queryAt = head.url.indexOf('?');
    const parts: Omit<CanonicalRequestParts, 'bodyHash'> = {
      method: head.method,
      path: queryAt < 0 ? head.url : head.url.slice(0, queryAt),
      query: queryAt < 0 ? '' : head.url.slice(queryAt + 1),
      headers,
      signedHeaders: auth.signedHeaders,
    };
    const verifySignature = (bodyHash: string) => {
      const expected = computeSignature(secret, auth, xDate, { ...parts, bodyHash });
      if (!signaturesEqual(expected, auth.signature)) {
        throw refuse('the signature does not match: check the secret key, the region and service in the credential, and that the host, path, query and signed headers reach fjord as they were signed');
      }
    };
    const claimedHash = header(head, 'x-content-sha256')?.trim().toLowerCase();
    // The SDKs send the body hash as a header: the signature can be checked before a byte of the body is read.
    if (claimedHash) verifySignature(claimedHash);

    return {
      principal: { kind: 'admin', keyId: `access-key:${auth.accessKeyId}` },
      credential: this.name,
      verifyBody: (rawBody: Buffer) => {
        const bodyHash = sha256Hex(rawBody);
        if (claimedHash) {
          if (claimedHash !== bodyHash) throw refuse('the body does not match X-Content-Sha256 (the body hash mismatches)');
        } else {
          verifySignature(bodyHash);
        }
      },
    };
  }
}
