import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

export const signInSchema = z
  .object({ api_key: z.string().min(1).max(512).describe('the admin key, or any key fjord issued') })
  .meta({ example: { api_key: 'fjord-admin-...' } });

export const consoleSessionSchema = z
  .object({
    kind: z.enum(['admin', 'bot']).describe('what the key may do: everything, or chat with its bots'),
    bot_ids: z.array(z.string()).describe('the bots a scoped key may chat with (empty for admin)'),
    expires_at: z.number().int().nullable().describe('when the session (or, for GET, the scoped key) ends, unix milliseconds; null for an admin key over bearer'),
  })
  .meta({ example: { kind: 'admin', bot_ids: [], expires_at: 1764547200000 } });

export class SignInDto extends createZodDto(signInSchema) {}
export class ConsoleSessionDto extends createZodDto(consoleSessionSchema) {}
