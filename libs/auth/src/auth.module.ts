import { Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuthGuard } from './auth.guard';
import { ConsoleSessionRepository } from './console-session.repository';
import { ConsoleSessionService } from './console-session.service';

@Module({
  providers: [ApiKeyRepository, ApiKeyService, ConsoleSessionRepository, ConsoleSessionService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeyService, ConsoleSessionService],
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
