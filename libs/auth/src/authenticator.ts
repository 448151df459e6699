import type { IncomingMessage } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@fjord/common';
import { Authentication, CredentialKind, RequestHead } from './credentials/credential-kind';
import { CREDENTIAL_KINDS } from './credentials/credential-kinds';

/** What the guard and the body parser leave on a request. */
export interface AuthenticatedRequest extends IncomingMessage {
  /** undefined: not looked at yet; null: the request carries no credential. */
  authentication?: Authentication | null;
  /** True once a signed body was checked against its signature. */
  signedBodyVerified?: boolean;
}

export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function missingCredentialError(request: IncomingMessage): DomainError {
  const scheme = /^\s*(\S+)/.exec(request.headers.authorization ?? '')?.[1];
  return new DomainError(
    ErrorCode.Unauthorized,
    scheme
      ? `unsupported Authorization scheme ${scheme}: send Authorization: Bearer <key>, or sign the request with an access key (HMAC-SHA256)`
      : 'missing credentials: send Authorization: Bearer <key>, or sign the request with an access key (HMAC-SHA256)',
  );
}

/** Finds the credential a request carries and resolves it; looks at the request line and headers only. */
@Injectable()
export class Authenticator {
  constructor(@Inject(CREDENTIAL_KINDS) private readonly kinds: CredentialKind[]) {}

  /** The caller, or null when the request carries no credential; throws Unauthorized for a bad one. */
  async authenticate(head: RequestHead, now = new Date()): Promise<Authentication | null> {
    const kind = this.kinds.find((candidate) => candidate.presentIn(head));
    return kind ? kind.authenticate(head, now) : null;
  }
}
