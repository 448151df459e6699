import type { BotRecord } from './bot.repository';
import { botParametersSchema } from './bot.schema';
import { toChatParameters, toKnowledgeChatRequest } from './bot-chat-request';

function bot(overrides: Partial<BotRecord> = {}): BotRecord {
  return {
    id: 'bot-20260101000000-0123456789abcdef',
    name: 'b',
    description: '',
    model: 'Doubao-1.5-pro-32k',
    systemPrompt: 'You are b.',
    knowledge: null,
    parameters: {},
    createdAt: new Date(0),
    updatedAt: new Date(0),
    ...overrides,
  };
}

describe('toChatParameters', () => {
  it('maps the wire names and both aliases, leaving out what was not given', () => {
    expect(toChatParameters({ max_new_tokens: 10, repetition_penalty: 0.5 })).toEqual({ maxTokens: 10, frequencyPenalty: 0.5 });
    expect(toChatParameters({ max_tokens: 20, frequency_penalty: -1 })).toEqual({ maxTokens: 20, frequencyPenalty: -1 });
    expect(toChatParameters({})).toEqual({});
  });

  it('reads stop, presence_penalty and top_logprobs from extra', () => {
    expect(toChatParameters({ extra: { stop: 'END', presence_penalty: 0.2, top_logprobs: 3, other: 1 } })).toEqual({ stop: ['END'], presencePenalty: 0.2, topLogprobs: 3 });
  });
});

describe('botParametersSchema', () => {
  it('accepts equal aliases and refuses different ones', () => {
    expect(botParametersSchema.safeParse({ max_new_tokens: 5, max_tokens: 5 }).success).toBe(true);
    expect(botParametersSchema.safeParse({ max_new_tokens: 5, max_tokens: 6 }).success).toBe(false);
  });

  it('keeps temperature in (0, 1]', () => {
    expect(botParametersSchema.safeParse({ temperature: 1 }).success).toBe(true);
    expect(botParametersSchema.safeParse({ temperature: 0 }).success).toBe(false);
  });
});

describe('toKnowledgeChatRequest', () => {
  it('passes the bot model, prompt, knowledge and the conversation as given', () => {
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hi' },
    ];
    const knowledge = { collections: [{ name: 'kb', project: 'default' }], limit: 3, dense_weight: 0.4 };
    expect(toKnowledgeChatRequest(bot({ knowledge }), messages, { temperature: 0.5 })).toEqual({
      model: 'Doubao-1.5-pro-32k',
      messages,
      systemPrompt: 'You are b.',
      retrieval: { collections: knowledge.collections, limit: 3, denseWeight: 0.4, queryParam: undefined, postProcessing: undefined },
      parameters: { temperature: 0.5 },
    });
  });

  it('leaves out an empty system prompt and retrieval for a bot without knowledge', () => {
    const request = toKnowledgeChatRequest(bot({ systemPrompt: '  ' }), [{ role: 'user', content: 'x' }], {});
    expect(request).not.toHaveProperty('systemPrompt');
    expect(request).not.toHaveProperty('retrieval');
  });
});
