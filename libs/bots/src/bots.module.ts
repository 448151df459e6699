import { Module } from '@nestjs/common';
import { AuthModule } from '@fjord/auth/auth.module';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { BotKeyService } from './bot-key.service';
import { BotRepository } from './bot.repository';
import { BotService } from './bot.service';

const providers = [BotRepository, BotService, BotKeyService];

/** Bots (api.md section 3): management, temporary keys. */
@Module({
  imports: [KnowledgeModule, AuthModule],
  providers,
  exports: providers,
})
export class BotsModule {}
