import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '@fjord/common';
import { ALLOW_BOT_KEYS, IS_PUBLIC } from './auth.decorators';
import { AuthenticatedRequest, Authenticator, hasBody, missingCredentialError } from './authenticator';
import { Principal } from './principal';

/**
 * Global guard: every route needs a credential unless @Public; bot keys only where @AllowBotKeys.
 * The credential was usually resolved already, before the body was read (authenticateBeforeBody);
 * otherwise it is resolved here.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { principal?: Principal; url: string; originalUrl?: string; method: string }>();
    if (request.authentication === undefined) {
      request.authentication = await this.authenticator.authenticate({ method: request.method, url: request.originalUrl ?? request.url, headers: request.headers });
    }
    const authentication = request.authentication;
    if (!authentication) throw missingCredentialError(request);
    if (authentication.verifyBody && !request.signedBodyVerified) {
      // The JSON parser checked the body if there was one; a body it did not read cannot be checked.
      if (hasBody(request)) {
        throw new DomainError(ErrorCode.Unauthorized, 'V4 signature refused: a signed request must carry a JSON body (content-type application/json) or none; multipart uploads need a Bearer key');
      }
      authentication.verifyBody(Buffer.alloc(0));
      request.signedBodyVerified = true;
    }
    const principal = authentication.principal;
    if (principal.kind === 'bot' && !this.reflector.getAllAndOverride<boolean>(ALLOW_BOT_KEYS, targets)) {
      throw new DomainError(ErrorCode.Forbidden, 'this key may only chat with the bots it was issued for');
    }
    request.principal = principal;
    return true;
  }
}
