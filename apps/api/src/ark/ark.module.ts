import { Module } from '@nestjs/common';
import { ContextCacheModule } from '@fjord/context-cache';
import { LlmModule } from '@fjord/llm';
import { ContextController } from './context.controller';
import { ContextChatResponder } from './context-chat.responder';

/** The Ark-compatible HTTP surface: the context cache API. */
@Module({
  imports: [LlmModule, ContextCacheModule],
  controllers: [ContextController],
  providers: [ContextChatResponder],
})
export class ArkModule {}
