import { z } from 'zod';

/**
 * The Ark Context API contract (api.md section 2): one zod schema per request; the DTOs, the
 * service's input types and the OpenAPI components all come from these.
 */

export const DEFAULT_TTL_SECONDS = 86_400;
export const MIN_TTL_SECONDS = 3_600;
export const MAX_TTL_SECONDS = 604_800;
export const DEFAULT_LAST_HISTORY_TOKENS = 4_096;

/** `content` is a string, or OpenAI's list of text parts (joined). */
const contentSchema = z
  .union([z.string(), z.array(z.object({ type: z.literal('text'), text: z.string() }))])
  .transform((content) => (typeof content === 'string' ? content : content.map((part) => part.text).join('')));

export const contextMessageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: contentSchema,
});

export const truncationStrategySchema = z
  .object({
    type: z.enum(['last_history_tokens', 'rolling_tokens']),
    last_history_tokens: z.number().int().min(1).optional(),
    rolling_tokens: z.boolean().optional(),
    /** (Ark) the model window to roll within; default: from the model name (`-32k`) or LLM_CONTEXT_WINDOW. */
    max_window_tokens: z.number().int().min(1).optional(),
    /** (Ark) when rolling, drop history until the prompt is at most this many tokens. */
    rolling_window_tokens: z.number().int().min(1).optional(),
  })
  .transform((s) =>
    s.type === 'last_history_tokens'
      ? { type: s.type, last_history_tokens: s.last_history_tokens ?? DEFAULT_LAST_HISTORY_TOKENS }
      : {
          type: s.type,
          rolling_tokens: s.rolling_tokens ?? true,
          ...(s.max_window_tokens === undefined ? {} : { max_window_tokens: s.max_window_tokens }),
          ...(s.rolling_window_tokens === undefined ? {} : { rolling_window_tokens: s.rolling_window_tokens }),
        },
  );

export const createContextSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(contextMessageSchema).min(1, { message: 'messages must not be empty' }),
    mode: z.enum(['session', 'common_prefix']).default('session'),
    ttl: z.number().int().min(MIN_TTL_SECONDS).max(MAX_TTL_SECONDS).default(DEFAULT_TTL_SECONDS),
    truncation_strategy: truncationStrategySchema.nullish(),
  })
  .superRefine((value, ctx) => {
    if (value.mode === 'common_prefix' && value.truncation_strategy) {
      ctx.addIssue({ code: 'custom', path: ['truncation_strategy'], message: 'truncation_strategy is only valid with mode "session"' });
    }
  });

export const contextChatSchema = z
  .object({
    context_id: z.string().min(1),
    model: z.string().min(1),
    messages: z.array(contextMessageSchema).min(1, { message: 'messages must not be empty' }),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    n: z.number().int().min(1).max(1, { message: 'only n = 1 is supported' }).nullish(),
    stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
    max_tokens: z.number().int().min(1).nullish(),
    presence_penalty: z.number().min(-2).max(2).nullish(),
    frequency_penalty: z.number().min(-2).max(2).nullish(),
    logprobs: z.boolean().nullish(),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
    user: z.string().nullish(),
    tools: z.unknown().optional(),
    functions: z.unknown().optional(),
  })
  .superRefine((value, ctx) => {
    const last = value.messages.at(-1);
    if (last?.role === 'assistant') {
      ctx.addIssue({ code: 'custom', path: ['messages', value.messages.length - 1, 'role'], message: 'the last message may not be from the assistant' });
    }
    for (const key of ['tools', 'functions'] as const) {
      if (value[key] !== undefined && value[key] !== null) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} are not supported by the context API` });
      }
    }
  });

export type ContextMessage = z.output<typeof contextMessageSchema>;
export type TruncationStrategy = z.output<typeof truncationStrategySchema>;
export type CreateContextRequest = z.output<typeof createContextSchema>;
export type ContextChatRequest = z.output<typeof contextChatSchema>;
export type ContextMode = CreateContextRequest['mode'];
