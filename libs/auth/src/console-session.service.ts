import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { parse as parseCookies } from 'cookie';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { ApiKeyService } from './api-key.service';
import { ConsoleSessionRepository } from './console-session.repository';
import { Principal } from './principal';

export const CONSOLE_SESSION_COOKIE = 'fjord_session';
/** The console sends this on every request; a page on another origin cannot without a CORS preflight we refuse. */
export const CONSOLE_REQUEST_HEADER = 'x-fjord-console';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ConsoleRequest {
  method: string;
  headers: IncomingHttpHeaders;
}

export interface OpenedSession {
  token: string;
  expiresAt: Date;
  principal: Principal;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function header(request: ConsoleRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function sessionTokenOf(request: ConsoleRequest): string | undefined {
  const cookies = header(request, 'cookie');
  return cookies ? parseCookies(cookies)[CONSOLE_SESSION_COOKIE] || undefined : undefined;
}

/**
 * CSRF defence for cookie-authenticated requests: SameSite=Strict keeps other sites' requests cookieless,
 * and this refuses the rest (another port on the same host is "same-site"): a state change must carry the
 * console header, and a browser's Origin, when sent, must be this host.
 */
export function assertSameOriginConsoleRequest(request: ConsoleRequest): void {
  const origin = header(request, 'origin');
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost !== header(request, 'host')) {
      throw new DomainError(ErrorCode.Forbidden, `console session refused: request from another origin (${origin})`);
    }
  }
  if (!SAFE_METHODS.has(request.method.toUpperCase()) && header(request, CONSOLE_REQUEST_HEADER) === undefined) {
    throw new DomainError(ErrorCode.Forbidden, `console session refused: a state change needs the ${CONSOLE_REQUEST_HEADER} header`);
  }
}

/** Console sign-in: an API key exchanged for an opaque cookie token with a server-side expiry. */
@Injectable()
export class ConsoleSessionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly sessions: ConsoleSessionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async open(apiKey: string, now = new Date()): Promise<OpenedSession> {
    const principal = await this.apiKeys.authenticate(apiKey, now);
    const ttlEnd = new Date(now.getTime() + this.config.console.sessionTtlSeconds * 1000);
    // A session never outlives the key it was opened with.
    const expiresAt = principal.kind === 'bot' && principal.expiresAt < ttlEnd ? principal.expiresAt : ttlEnd;
    const token = randomBytes(32).toString('base64url');
    await this.sessions.insert({ tokenHash: hashToken(token), keyId: principal.keyId, expiresAt });
    return { token, expiresAt, principal };
  }

  /** The principal of a request's session cookie; throws Unauthorized (or Forbidden, for CSRF) when it is not valid. */
  async authenticate(request: ConsoleRequest, now = new Date()): Promise<Principal> {
    const token = sessionTokenOf(request);
    if (!token) throw new DomainError(ErrorCode.Unauthorized, 'console session missing: sign in again');
    assertSameOriginConsoleRequest(request);
    const row = await this.sessions.findLive(hashToken(token), now);
    if (!row) throw new DomainError(ErrorCode.Unauthorized, 'console session expired or signed out: sign in again');
    if (row.kind === 'admin') return { kind: 'admin', keyId: row.key_id };
    if (!row.key_expires_at || row.key_expires_at <= now) throw new DomainError(ErrorCode.Unauthorized, 'API key has expired');
    return { kind: 'bot', keyId: row.key_id, botIds: row.bot_ids, expiresAt: row.key_expires_at };
  }

  /** Sign-out: the token stops working at once, wherever the cookie was copied to. */
  async close(request: ConsoleRequest): Promise<void> {
    const token = sessionTokenOf(request);
    if (token) await this.sessions.delete(hashToken(token));
  }

  async sweepExpired(now = new Date()): Promise<number> {
    return this.sessions.deleteExpired(now);
  }

  onApplicationBootstrap(): void {
    // Expired sessions are already refused; this only keeps the table small (an idempotent DELETE).
    this.sweeper = setInterval(() => void this.sweepExpired().catch(() => undefined), EXPIRED_SESSION_SWEEP_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}

const EXPIRED_SESSION_SWEEP_MS = 60 * 60 * 1000;
