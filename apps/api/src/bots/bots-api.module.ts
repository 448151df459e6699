import { Module } from '@nestjs/common';
import { BotsModule } from '@fjord/bots';
import { ApiKeyController } from './api-key.controller';
import { BotChatController } from './bot-chat.controller';
import { BotChatResponder } from './bot-chat.responder';
import { BotsController } from './bots.controller';
import { OpenAiChatResponder } from './openai-chat.responder';
import { OpenAiController } from './openai.controller';

/** The Bot v2 HTTP surface: bot management, bot chat, GetApiKey, and the OpenAI-compatible door. */
@Module({
  imports: [BotsModule],
  controllers: [BotsController, BotChatController, ApiKeyController, OpenAiController],
  providers: [BotChatResponder, OpenAiChatResponder],
})
export class BotsApiModule {}
