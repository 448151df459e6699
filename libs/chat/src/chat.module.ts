import { Module } from '@nestjs/common';
import { ContextCacheModule } from '@fjord/context-cache';
import { LlmModule } from '@fjord/llm';
import { SearchModule } from '@fjord/search/search.module';
import { KnowledgeChatService } from './knowledge-chat.service';
import { KnowledgeRetriever } from './knowledge-retriever';

/** Knowledge chat for Viking chat/completions, search_and_generate and bots. Needs DB and APP_CONFIG from the app. */
@Module({
  imports: [LlmModule, SearchModule, ContextCacheModule],
  providers: [KnowledgeChatService, KnowledgeRetriever],
  exports: [KnowledgeChatService],
})
export class ChatModule {}
