import type { ServerResponse } from 'node:http';
import { AuthenticatedRequest, Authenticator, hasBody, missingCredentialError } from './authenticator';
import { PublicRoutes } from './public-routes';

type Next = (error?: unknown) => void;

/**
 * Express middleware mounted before the body parser: a request is authenticated from its headers before
 * a byte of its body is read, and one without valid credentials is refused unread (a stranger's 7 MB
 * body costs nothing to parse). Refusals go to Nest's exception filter, in the route family's envelope;
 * the connection is closed so the unread body is not drained. Authorization (which routes a key may
 * call) stays in AuthGuard, which knows the handler.
 */
export function authenticateBeforeBody(authenticator: Authenticator, publicRoutes: PublicRoutes) {
  return (request: AuthenticatedRequest, response: ServerResponse, next: Next): void => {
    const path = (request.url ?? '/').split('?')[0];
    if (publicRoutes.matches(request.method ?? 'GET', path)) {
      next();
      return;
    }
    const refuse = (error: unknown) => {
      if (hasBody(request)) response.setHeader('Connection', 'close');
      next(error);
    };
    authenticator.authenticate({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers }).then(
      (authentication) => {
        request.authentication = authentication;
        if (!authentication && hasBody(request)) refuse(missingCredentialError(request));
        else next();
      },
      refuse,
    );
  };
}

/** The JSON body parser's `verify` hook: a signed request's raw bytes are checked before they are parsed. */
export function verifySignedBody(request: AuthenticatedRequest, _response: ServerResponse, rawBody: Buffer): void {
  const verifyBody = request.authentication?.verifyBody;
  if (!verifyBody) return;
  verifyBody(rawBody);
  request.signedBodyVerified = true;
}
