import { Module } from '@nestjs/common';
import { BotsModule } from '@fjord/bots';
import { ApiKeyController } from './api-key.controller';
import { BotsController } from './bots.controller';

/** The Bot v2 HTTP surface: bot management, bot chat, GetApiKey, and the OpenAI-compatible door. */
@Module({
  imports: [BotsModule],
  controllers: [BotsController, ApiKeyController],
})
export class BotsApiModule {}
