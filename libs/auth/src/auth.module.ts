import { Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { AccessKeyRepository } from './access-keys/access-key.repository';
import { AccessKeyService } from './access-keys/access-key.service';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { CREDENTIAL_KINDS, CREDENTIAL_KIND_CLASSES } from './credentials/credential-kinds';
import { CredentialKind } from './credentials/credential-kind';
import { PublicRoutes } from './public-routes';

@Module({
  imports: [DiscoveryModule],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    AccessKeyRepository,
    AccessKeyService,
    ...CREDENTIAL_KIND_CLASSES,
    { provide: CREDENTIAL_KINDS, useFactory: (...kinds: CredentialKind[]) => kinds, inject: CREDENTIAL_KIND_CLASSES },
    Authenticator,
    PublicRoutes,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyService, AccessKeyService, Authenticator, PublicRoutes],
})
export class AuthModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private sweeper?: NodeJS.Timeout;

  constructor(private readonly apiKeys: ApiKeyService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.apiKeys.ensureAdminKey();
    // An idempotent DELETE, so any number of API processes may run it.
    this.sweeper = setInterval(() => void this.apiKeys.sweepExpired().catch(() => undefined), EXPIRED_KEY_SWEEP_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }
}

const EXPIRED_KEY_SWEEP_MS = 60 * 60 * 1000;
