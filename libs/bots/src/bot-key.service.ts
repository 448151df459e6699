import { Injectable } from '@nestjs/common';
import { ApiKeyService } from '@fjord/auth/api-key.service';
import type { GetApiKeyInput } from './bot.schema';
import { BotService } from './bot.service';

export interface GrantedKey {
  apiKey: string;
  /** Unix seconds. */
  expiredTime: number;
}

/** GetApiKey: a temporary key that may chat only with the named bots until it expires. */
@Injectable()
export class BotKeyService {
  constructor(
    private readonly bots: BotService,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async grant(input: GetApiKeyInput, now = new Date()): Promise<GrantedKey> {
    const botIds = [...new Set(input.ResourceIds)];
    await this.bots.assertExist(botIds);
    // Whole seconds, so ExpiredTime is exactly when the key stops working.
    const expiredTime = Math.floor(now.getTime() / 1000) + input.DurationSeconds;
    const apiKey = await this.apiKeys.mintBotKey(botIds, new Date(expiredTime * 1000));
    return { apiKey, expiredTime };
  }
}
