import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { botChatSchema, botIdSchema, createBotSchema, getApiKeySchema, openAiChatSchema, updateBotSchema } from '@fjord/bots';

export class CreateBotDto extends createZodDto(createBotSchema) {}
export class UpdateBotDto extends createZodDto(updateBotSchema) {}
export class BotChatDto extends createZodDto(botChatSchema) {}
export class BotIdParamDto extends createZodDto(z.object({ bot_id: botIdSchema })) {}
export class GetApiKeyDto extends createZodDto(getApiKeySchema) {}
/** `POST /?Action=GetApiKey&Version=2024-01-01`: the only OpenAPI action fjord serves. */
export class OpenApiActionDto extends createZodDto(z.object({ Action: z.literal('GetApiKey'), Version: z.literal('2024-01-01') })) {}
export class OpenAiChatDto extends createZodDto(openAiChatSchema) {}
