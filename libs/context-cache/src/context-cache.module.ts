import { Module } from '@nestjs/common';
import { ContextRepository } from './context.repository';
import { ContextService } from './context.service';
import { ContextSweeper } from './context-sweeper';

/** Needs DB, APP_CONFIG, REDIS and CHAT_MODEL (LlmModule) from the app. */
@Module({
  providers: [ContextRepository, ContextService, ContextSweeper],
  exports: [ContextService, ContextSweeper],
})
export class ContextCacheModule {}
