import { z } from 'zod';
import { BotRecord, botKnowledgeSchema, botParametersSchema } from '@fjord/bots';
import type { GrantedKey } from '@fjord/bots';

/** Bot management and GetApiKey response shapes, and the mapping to them. */

export const botResponseSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  model: z.string(),
  system_prompt: z.string(),
  knowledge: botKnowledgeSchema.nullable(),
  parameters: botParametersSchema,
  /** Milliseconds, like collection times. */
  create_time: z.number().int(),
  update_time: z.number().int(),
});
export type BotResponse = z.infer<typeof botResponseSchema>;

export const botListResponseSchema = z.object({ bots: z.array(botResponseSchema), total: z.number().int() });
export type BotListResponse = z.infer<typeof botListResponseSchema>;

export const getApiKeyResponseSchema = z.object({
  ResponseMetadata: z.object({ RequestId: z.string(), Action: z.literal('GetApiKey'), Version: z.literal('2024-01-01') }),
  Result: z.object({ ApiKey: z.string(), ExpiredTime: z.number().int() }),
});
export type GetApiKeyResponse = z.infer<typeof getApiKeyResponseSchema>;

export function toBotResponse(bot: BotRecord): BotResponse {
  return {
    id: bot.id,
    name: bot.name,
    description: bot.description,
    model: bot.model,
    system_prompt: bot.systemPrompt,
    knowledge: bot.knowledge,
    parameters: bot.parameters,
    create_time: bot.createdAt.getTime(),
    update_time: bot.updatedAt.getTime(),
  };
}

export function toBotListResponse(bots: BotRecord[]): BotListResponse {
  return { bots: bots.map(toBotResponse), total: bots.length };
}

export function toGetApiKeyResponse(requestId: string, key: GrantedKey): GetApiKeyResponse {
  return {
    ResponseMetadata: { RequestId: requestId, Action: 'GetApiKey', Version: '2024-01-01' },
    Result: { ApiKey: key.apiKey, ExpiredTime: key.expiredTime },
  };
}
