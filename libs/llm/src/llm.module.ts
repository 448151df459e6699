import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { CHAT_MODEL, ChatModel } from './chat-model';
import { ExtractiveChatModel } from './extractive-chat-model';
import { OpenAiChatModel } from './openai-chat-model';

/** LLM_BASE_URL set: the OpenAI-compatible upstream; otherwise the local extractive model. */
export function createChatModel(config: Pick<AppConfig, 'llm'>): ChatModel {
  const { llm } = config;
  if (!llm.baseUrl) return new ExtractiveChatModel();
  return new OpenAiChatModel({
    baseUrl: llm.baseUrl,
    apiKey: llm.apiKey,
    defaultModel: llm.model,
    modelMap: llm.modelMap,
    timeoutMs: llm.timeoutMs,
    maxRetries: llm.maxRetries,
    retryBaseDelayMs: llm.retryBaseDelayMs,
  });
}

/** Provides CHAT_MODEL to every feature module (context cache, knowledge chat, bots). */
@Global()
@Module({
  providers: [{ provide: CHAT_MODEL, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createChatModel(config) }],
  exports: [CHAT_MODEL],
})
export class LlmModule {}
