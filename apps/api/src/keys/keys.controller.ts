import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AccessKeyService, AccessKeySummary, ApiKeyService, ApiKeySummary, MintedAccessKey } from '@fjord/auth';
import { ApiJsonOk } from '../http/api-docs';
import { AccessKeyIdParamDto, KeyIdParamDto, MintKeyDto } from './keys.dto';
import {
  accessKeyListSchema,
  apiKeyListSchema,
  mintedAccessKeySchema,
  mintedApiKeySchema,
  revokedAccessKeySchema,
  revokedApiKeySchema,
} from './keys-response.schemas';

/**
 * Key rotation and revocation (ext), admin credentials only: API keys (admin keys and GetApiKey's
 * temporary keys) and Volcengine access-key pairs. A new secret is shown once, in the mint response.
 */
@ApiTags('Keys')
@ApiBearerAuth()
@Controller('api/admin')
export class KeysController {
  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly accessKeys: AccessKeyService,
  ) {}

  @Post('keys')
  @HttpCode(200)
  @ApiJsonOk('Mint an admin API key (for rotation); the key is shown only in this answer', mintedApiKeySchema)
  async mintKey(@Body() body: MintKeyDto): Promise<ApiKeySummary & { api_key: string }> {
    const { key, summary } = await this.apiKeys.mintAdminKey(body.description);
    return { ...summary, api_key: key };
  }

  @Get('keys')
  @ApiJsonOk('List API keys (admin and temporary bot keys); never a secret', apiKeyListSchema)
  async listKeys(): Promise<{ keys: ApiKeySummary[] }> {
    return { keys: await this.apiKeys.list() };
  }

  @Delete('keys/:id')
  @ApiJsonOk('Revoke an API key at once (its console sessions end with it)', revokedApiKeySchema)
  async revokeKey(@Param() params: KeyIdParamDto): Promise<{ id: string; revoked: true }> {
    await this.apiKeys.revoke(params.id);
    return { id: params.id, revoked: true };
  }

  @Post('access-keys')
  @HttpCode(200)
  @ApiJsonOk('Mint a Volcengine access-key pair; the secret is shown only in this answer', mintedAccessKeySchema)
  mintAccessKey(@Body() body: MintKeyDto): Promise<MintedAccessKey> {
    return this.accessKeys.mint(body.description);
  }

  @Get('access-keys')
  @ApiJsonOk('List access-key pairs (configured and minted); never a secret', accessKeyListSchema)
  async listAccessKeys(): Promise<{ access_keys: AccessKeySummary[] }> {
    return { access_keys: await this.accessKeys.list() };
  }

  @Delete('access-keys/:access_key_id')
  @ApiJsonOk('Revoke a minted access-key pair at once', revokedAccessKeySchema)
  async revokeAccessKey(@Param() params: AccessKeyIdParamDto): Promise<{ access_key_id: string; revoked: true }> {
    await this.accessKeys.revoke(params.access_key_id);
    return { access_key_id: params.access_key_id, revoked: true };
  }
}
