import { z } from 'zod';
import type { AccessKeySummary, ApiKeySummary, MintedAccessKey } from '@fjord/auth';

/** Key management answers, as the OpenAPI document describes them; the checks below keep them in step. */

export const apiKeySummarySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['admin', 'bot']),
    description: z.string(),
    bot_ids: z.array(z.string()).describe('the bots a temporary key may chat with'),
    expire_time: z.number().int().nullable().describe('unix milliseconds; null for admin keys'),
    create_time: z.number().int().describe('unix milliseconds'),
  })
  .meta({ example: { id: 'key-3f2a9c1d5e7b4a60', kind: 'admin', description: 'ci pipeline', bot_ids: [], expire_time: null, create_time: 1764489600000 } });

export const mintedApiKeySchema = apiKeySummarySchema.extend({ api_key: z.string().describe('the key itself: shown only in this answer') });
export const apiKeyListSchema = z.object({ keys: z.array(apiKeySummarySchema) });
export const revokedApiKeySchema = z.object({ id: z.string(), revoked: z.literal(true) });

export const accessKeySummarySchema = z
  .object({
    access_key_id: z.string(),
    description: z.string(),
    source: z.enum(['config', 'minted']).describe('config: from ACCESS_KEY_PAIRS; minted: through this API'),
    create_time: z.number().int().nullable(),
  })
  .meta({ example: { access_key_id: 'AKLT3f2a9c1d5e7b4a60', description: 'volc sdk', source: 'minted', create_time: 1764489600000 } });

export const mintedAccessKeySchema = accessKeySummarySchema.extend({ secret_access_key: z.string().describe('shown only in this answer') });
export const accessKeyListSchema = z.object({ access_keys: z.array(accessKeySummarySchema) });
export const revokedAccessKeySchema = z.object({ access_key_id: z.string(), revoked: z.literal(true) });

type Satisfies<Actual extends Expected, Expected> = Actual;
export type KeyResponseChecks = [
  Satisfies<ApiKeySummary, z.input<typeof apiKeySummarySchema>>,
  Satisfies<AccessKeySummary, z.input<typeof accessKeySummarySchema>>,
  Satisfies<MintedAccessKey, z.input<typeof mintedAccessKeySchema>>,
];
