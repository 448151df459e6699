import { Module, OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuthGuard } from './auth.guard';

@Module({
  providers: [ApiKeyRepository, ApiKeyService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [ApiKeyService],
})
export class AuthModule implements OnApplicationBootstrap {
  constructor(private readonly apiKeys: ApiKeyService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.apiKeys.ensureAdminKey();
  }
}
