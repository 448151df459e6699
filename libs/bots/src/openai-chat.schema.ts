import { z } from 'zod';
import type { ChatParameters, ChatTurn } from '@fjord/chat/knowledge-chat.types';
import { MAX_NEW_TOKENS } from './bot.schema';

/**
 * The OpenAI `POST /v1/chat/completions` request (api.md section 4) as OpenAI clients and LangChain's
 * ChatOpenAI send it: `model` is a bot id. Fields OpenAI clients send that mean nothing here (`seed`,
 * `user`, ...) are ignored; `n` must be 1 and tools are refused.
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });

export const openAiMessageSchema = z.object({
  // `developer` is how newer OpenAI clients send the system message.
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: z.union([z.string(), z.array(textPart)]).nullable(),
});

const penalty = z.number().min(-2).max(2);
const maxTokens = z.number().int().min(1).max(MAX_NEW_TOKENS);

export const openAiChatSchema = z.object({
  model: z.string().min(1).max(128),
  messages: z
    .array(openAiMessageSchema)
    .min(1)
    .max(500)
    .refine((messages) => messages[messages.length - 1]?.role === 'user', 'the last message must be a user message'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: maxTokens.nullish(),
  max_completion_tokens: maxTokens.nullish(),
  frequency_penalty: penalty.nullish(),
  presence_penalty: penalty.nullish(),
  stop: z.union([z.string().min(1), z.array(z.string().min(1)).max(4)]).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/, 'logit_bias keys are token ids'), z.number().min(-100).max(100)).nullish(),
  n: z.literal(1, 'only n = 1 is supported').nullish(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported by bots').nullish(),
});
export type OpenAiChatInput = z.infer<typeof openAiChatSchema>;

export function openAiTurns(messages: OpenAiChatInput['messages']): ChatTurn[] {
  return messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: typeof m.content === 'string' ? m.content : (m.content ?? []).map((part) => part.text).join(''),
  }));
}

export function openAiParameters(body: OpenAiChatInput): ChatParameters {
  const out: ChatParameters = {
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
    temperature: body.temperature ?? undefined,
    topP: body.top_p ?? undefined,
    frequencyPenalty: body.frequency_penalty ?? undefined,
    presencePenalty: body.presence_penalty ?? undefined,
    logprobs: body.logprobs ?? undefined,
    topLogprobs: body.top_logprobs ?? undefined,
    logitBias: body.logit_bias ?? undefined,
    stop: body.stop == null ? undefined : typeof body.stop === 'string' ? [body.stop] : body.stop,
  };
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined)) as ChatParameters;
}
