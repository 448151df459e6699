import type { ChatParameters, ChatTurn, KnowledgeChatRequest } from '@fjord/chat/knowledge-chat.types';
import type { BotRecord } from './bot.repository';
import type { BotParameters } from './bot.schema';

/** Wire parameters (with their aliases) to the knowledge-chat parameters; undefined fields are left out. */
export function toChatParameters(p: BotParameters): ChatParameters {
  const stop = p.extra?.stop;
  const out: ChatParameters = {
    maxTokens: p.max_new_tokens ?? p.max_tokens,
    temperature: p.temperature,
    topP: p.top_p,
    topK: p.top_k,
    frequencyPenalty: p.repetition_penalty ?? p.frequency_penalty,
    presencePenalty: p.extra?.presence_penalty,
    logprobs: p.logprobs,
    topLogprobs: p.top_logprobs ?? p.extra?.top_logprobs,
    logitBias: p.logit_bias,
    stop: stop === undefined ? undefined : typeof stop === 'string' ? [stop] : stop,
  };
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined)) as ChatParameters;
}

/**
 * What a bot chat asks the knowledge-chat core: the bot's model, knowledge and system prompt, and the
 * conversation as given. The core puts the request's own system messages after the bot's prompt.
 */
export function toKnowledgeChatRequest(bot: BotRecord, messages: ChatTurn[], parameters: ChatParameters): KnowledgeChatRequest {
  const knowledge = bot.knowledge;
  return {
    model: bot.model,
    messages,
    ...(bot.systemPrompt.trim() ? { systemPrompt: bot.systemPrompt } : {}),
    ...(knowledge
      ? {
          retrieval: {
            collections: knowledge.collections,
            limit: knowledge.limit,
            denseWeight: knowledge.dense_weight,
            queryParam: knowledge.query_param,
            postProcessing: knowledge.post_processing,
          },
        }
      : {}),
    parameters,
  };
}
