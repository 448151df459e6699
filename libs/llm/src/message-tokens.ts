import { countTokens } from '@fjord/text';
import { ChatMessage, ChatUsage } from './chat-model';

/**
 * Prompt token accounting with o200k_base, used when the upstream reports no usage and for
 * `cached_tokens`. Each message costs its content plus a fixed envelope (role and separators,
 * as OpenAI's chat format does); a prompt adds the assistant reply primer.
 */
export const MESSAGE_OVERHEAD_TOKENS = 4;
export const REPLY_PRIMER_TOKENS = 3;

export function countMessageTokens(message: Pick<ChatMessage, 'content'>): number {
  return MESSAGE_OVERHEAD_TOKENS + countTokens(message.content);
}

/** Tokens of a list of messages stored or sent, without the reply primer. */
export function countMessagesTokens(messages: ReadonlyArray<Pick<ChatMessage, 'content'>>): number {
  let total = 0;
  for (const message of messages) total += countMessageTokens(message);
  return total;
}

/** Tokens of a full prompt as the model sees it: the messages plus the reply primer. */
export function countPromptTokens(messages: ReadonlyArray<Pick<ChatMessage, 'content'>>): number {
  return countMessagesTokens(messages) + REPLY_PRIMER_TOKENS;
}

export function countedUsage(messages: ReadonlyArray<Pick<ChatMessage, 'content'>>, completion: string): ChatUsage {
  const promptTokens = countPromptTokens(messages);
  const completionTokens = countTokens(completion);
  return {
    promptTokens,
    completionTokens,
    totalTokens: promptTokens + completionTokens,
    cachedTokens: 0,
    reasoningTokens: 0,
    reported: false,
  };
}
