import type { KnowledgeChatResult, KnowledgeReference } from '@fjord/chat/knowledge-chat.types';
import type { CompletionMeta } from '../http/openai-chat.schema';
import { BotReference, BotUsage, toBotReference, toBotUsage } from './bot-chat.responses';
import { ChatCompletionFormat, OpenAiChunk, OpenAiCompletion, OPENAI_FORMAT } from './openai.responses';

/**
 * The Ark runtime SDK's bot chat (`client.bot_chat.completions.create`, `POST /api/v3/bots/chat/completions`):
 * OpenAI shapes with `references` and `bot_usage` at the top level instead of inside the message. The SDK
 * types `chunk_id` as a string, so it is sent as one here.
 */

export type ArkBotReference = Omit<BotReference, 'chunk_id'> & { chunk_id: string };
export type ArkBotCompletion = Omit<OpenAiCompletion, 'choices'> & {
  choices: Array<Omit<OpenAiCompletion['choices'][number], 'message'> & { message: { role: 'assistant'; content: string } }>;
  references: ArkBotReference[];
  bot_usage: BotUsage;
};
export type ArkBotChunk = OpenAiChunk & { references?: ArkBotReference[]; bot_usage?: BotUsage };

function toArkReference(ref: KnowledgeReference): ArkBotReference {
  const reference = toBotReference(ref);
  return { ...reference, chunk_id: String(reference.chunk_id) };
}

/** Drops the OpenAI door's in-message references: Ark carries them at the top level. */
function withoutDeltaReferences(chunk: OpenAiChunk): OpenAiChunk {
  return { ...chunk, choices: chunk.choices.map(({ delta: { references: _references, ...delta }, ...choice }) => ({ ...choice, delta })) };
}

export const ARK_BOT_FORMAT: ChatCompletionFormat<ArkBotCompletion, ArkBotChunk> = {
  completion(meta: CompletionMeta, result: KnowledgeChatResult): ArkBotCompletion {
    const completion = OPENAI_FORMAT.completion(meta, result);
    return {
      ...completion,
      choices: completion.choices.map(({ message: { role, content }, ...choice }) => ({ ...choice, message: { role, content } })),
      references: result.references.map(toArkReference),
      bot_usage: toBotUsage(result),
    };
  },
  delta(meta, content, first, references, includeUsage): ArkBotChunk {
    const chunk = withoutDeltaReferences(OPENAI_FORMAT.delta(meta, content, first, undefined, includeUsage));
    return references ? { ...chunk, references: references.map(toArkReference) } : chunk;
  },
  finish(meta, result, first, references, includeUsage): ArkBotChunk {
    const chunk = withoutDeltaReferences(OPENAI_FORMAT.finish(meta, result, first, undefined, includeUsage));
    // Without include_usage there is no usage chunk, so bot_usage rides on the finishing chunk.
    return { ...chunk, ...(references ? { references: references.map(toArkReference) } : {}), ...(includeUsage ? {} : { bot_usage: toBotUsage(result) }) };
  },
  usage(meta, result): ArkBotChunk {
    return { ...OPENAI_FORMAT.usage(meta, result), bot_usage: toBotUsage(result) };
  },
};
