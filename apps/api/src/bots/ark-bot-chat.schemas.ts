import { z } from 'zod';
import { chatCompletionChunkSchema, chatCompletionSchema } from '../http/openai-chat.schema';
import type { ArkBotChunk, ArkBotCompletion } from './ark-bot-chat.responses';
import { botReferenceSchema, botUsageSchema } from './bot-chat.responses';

/** The Ark bot chat answers as the OpenAPI document describes them (see ark-bot-chat.responses.ts). */

const arkReference = botReferenceSchema.extend({ chunk_id: z.string().describe('a string, as the Ark SDK types it') });

export const arkBotCompletionSchema = chatCompletionSchema({}).extend({ references: z.array(arkReference), bot_usage: botUsageSchema });
export const arkBotChunkSchema = chatCompletionChunkSchema({}).extend({ references: z.array(arkReference).optional(), bot_usage: botUsageSchema.optional() });

type Satisfies<Actual extends Expected, Expected> = Actual;
export type ArkBotSchemaChecks = [Satisfies<ArkBotCompletion, z.input<typeof arkBotCompletionSchema>>, Satisfies<ArkBotChunk, z.input<typeof arkBotChunkSchema>>];
