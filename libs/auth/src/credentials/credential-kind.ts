import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../principal';

/** What a credential may look at: the request line and headers, never the body. */
export interface RequestHead {
  method: string;
  /** The request target as received: path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface Authentication {
  principal: Principal;
  /** Which credential kind authenticated the request (for logs and metrics; never the secret). */
  credential: string;
  /**
   * Set by credentials that sign the body (V4): called with the raw body bytes before they are parsed,
   * throws when they are not what was signed. Requests without a body are checked with an empty one.
   */
  verifyBody?: (rawBody: Buffer) => void;
}

/**
 * One way of proving who is calling. The guard asks each kind, in order, whether the request carries it,
 * and lets the first one that does authenticate it. To add a kind, implement this and list the class in
 * CREDENTIAL_KIND_CLASSES (credential-kinds.ts).
 */
export interface CredentialKind {
  readonly name: string;
  /** True when the request carries this kind of credential (looks at headers only). */
  presentIn(head: RequestHead): boolean;
  /** Resolves the caller or throws an Unauthorized DomainError whose message says why. */
  authenticate(head: RequestHead, now: Date): Promise<Authentication>;
}
