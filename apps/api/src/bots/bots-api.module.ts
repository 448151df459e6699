import { Module } from '@nestjs/common';
import { BotsModule } from '@fjord/bots';
import { ApiKeyController } from './api-key.controller';
import { ArkBotChatController } from './ark-bot-chat.controller';
import { BotChatController } from './bot-chat.controller';
import { BotChatResponder } from './bot-chat.responder';
import { BotsController } from './bots.controller';
import { OpenAiChatResponder } from './openai-chat.responder';
import { OpenAiController } from './openai.controller';

/** The Bot v2 HTTP surface: bot management, bot chat, GetApiKey, the OpenAI-compatible door and Ark's bot chat. */
@Module({
  imports: [BotsModule],
  controllers: [BotsController, BotChatController, ApiKeyController, OpenAiController, ArkBotChatController],
  providers: [BotChatResponder, OpenAiChatResponder],
})
export class BotsApiModule {}
