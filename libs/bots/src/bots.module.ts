import { Module } from '@nestjs/common';
import { AuthModule } from '@fjord/auth/auth.module';
import { ChatModule } from '@fjord/chat/chat.module';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { BotChatService } from './bot-chat.service';
import { BotKeyService } from './bot-key.service';
import { BotRepository } from './bot.repository';
import { BotService } from './bot.service';

const providers = [BotRepository, BotService, BotKeyService, BotChatService];

/** Bots (api.md section 3): management, temporary keys, and chat through the knowledge-chat core. */
@Module({
  imports: [KnowledgeModule, AuthModule, ChatModule],
  providers,
  exports: providers,
})
export class BotsModule {}
