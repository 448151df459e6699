import { Injectable } from '@nestjs/common';
import { ConsoleSessionService, sessionTokenOf } from '../console-session.service';
import { Authentication, CredentialKind, RequestHead } from './credential-kind';

/**
 * The web console's session cookie. Asked after the header credentials, and only when the request sends
 * no Authorization header at all: an API client's key always wins over a cookie.
 */
@Injectable()
export class ConsoleSessionCredential implements CredentialKind {
  readonly name = 'console-session';

  constructor(private readonly sessions: ConsoleSessionService) {}

  presentIn(head: RequestHead): boolean {
    return head.headers.authorization === undefined && sessionTokenOf(head) !== undefined;
  }

  async authenticate(head: RequestHead, now: Date): Promise<Authentication> {
    return { principal: await this.sessions.authenticate(head, now), credential: this.name };
  }
}
