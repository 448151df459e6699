import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@fjord/common';
import { ApiKeyService } from '../api-key.service';
import { Authentication, CredentialKind, RequestHead } from './credential-kind';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer <key>`: the admin key, keys minted by an admin, and GetApiKey's temporary keys. */
@Injectable()
export class BearerCredential implements CredentialKind {
  readonly name = 'bearer';

  constructor(private readonly apiKeys: ApiKeyService) {}

  presentIn(head: RequestHead): boolean {
    return /^Bearer(\s|$)/i.test(head.headers.authorization ?? '');
  }

  async authenticate(head: RequestHead, now: Date): Promise<Authentication> {
    const key = BEARER.exec(head.headers.authorization ?? '')?.[1];
    if (!key) throw new DomainError(ErrorCode.Unauthorized, 'malformed Authorization header: send Authorization: Bearer <key>');
    return { principal: await this.apiKeys.authenticate(key, now), credential: this.name };
  }
}
