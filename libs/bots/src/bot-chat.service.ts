import { Injectable } from '@nestjs/common';
import type { Principal } from '@fjord/auth/principal';
import { KnowledgeChatService } from '@fjord/chat/knowledge-chat.service';
import type { ChatParameters, ChatTurn, KnowledgeChatEvent, KnowledgeChatRequest, KnowledgeChatResult } from '@fjord/chat/knowledge-chat.types';
import { assertMayUseBot } from './bot-access';
import { toChatParameters, toKnowledgeChatRequest } from './bot-chat-request';
import { BotService } from './bot.service';

/** One chat turn with a bot, whichever door it came through (Bot v2 or OpenAI-compatible). */
export interface BotChatCall {
  principal: Principal;
  botId: string;
  messages: ChatTurn[];
  /** Request parameters; they override the bot's own, field by field. */
  parameters: ChatParameters;
}

/**
 * Chat with a bot: checks the key may use it, then asks the knowledge-chat core with the bot's
 * model, system prompt, knowledge and default parameters.
 */
@Injectable()
export class BotChatService {
  constructor(
    private readonly bots: BotService,
    private readonly chat: KnowledgeChatService,
  ) {}

  async answer(call: BotChatCall, signal?: AbortSignal): Promise<KnowledgeChatResult> {
    return this.chat.answer(await this.request(call), signal);
  }

  /** References (when the bot has knowledge), deltas, then `done`; failures before the first delta reject early `next()` calls. */
  async *stream(call: BotChatCall, signal?: AbortSignal): AsyncGenerator<KnowledgeChatEvent> {
    yield* this.chat.stream(await this.request(call), signal);
  }

  private async request(call: BotChatCall): Promise<KnowledgeChatRequest> {
    assertMayUseBot(call.principal, call.botId);
    const bot = await this.bots.get(call.botId);
    return toKnowledgeChatRequest(bot, call.messages, { ...toChatParameters(bot.parameters), ...call.parameters });
  }
}
