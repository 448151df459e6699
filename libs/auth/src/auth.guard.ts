import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '@fjord/common';
import { ALLOW_BOT_KEYS, IS_PUBLIC } from './auth.decorators';
import { ApiKeyService } from './api-key.service';
import { ConsoleSessionService } from './console-session.service';
import { Principal } from './principal';

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Global guard: every route needs a key unless @Public; bot keys only where @AllowBotKeys. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly consoleSessions: ConsoleSessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<{ method: string; headers: Record<string, string | undefined>; principal?: Principal }>();
    // The console's session cookie counts only when no Authorization header is sent.
    const sessionPrincipal = request.headers.authorization === undefined ? await this.consoleSessions.authenticate(request) : undefined;
    const principal = sessionPrincipal ?? (await this.apiKeys.authenticate(bearerToken(request.headers.authorization)));
    if (principal.kind === 'bot' && !this.reflector.getAllAndOverride<boolean>(ALLOW_BOT_KEYS, targets)) {
      throw new DomainError(ErrorCode.Forbidden, 'this key may only chat with the bots it was issued for');
    }
    request.principal = principal;
    return true;
  }
}
