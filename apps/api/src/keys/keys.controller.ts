import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessKeyService, AccessKeySummary, ApiKeyService, ApiKeySummary, MintedAccessKey } from '@fjord/auth';
import { AccessKeyIdParamDto, KeyIdParamDto, MintKeyDto } from './keys.dto';

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
  @ApiOkResponse({ description: 'a new admin API key; `api_key` is shown only here' })
  async mintKey(@Body() body: MintKeyDto): Promise<ApiKeySummary & { api_key: string }> {
    const { key, summary } = await this.apiKeys.mintAdminKey(body.description);
    return { ...summary, api_key: key };
  }

  @Get('keys')
  async listKeys(): Promise<{ keys: ApiKeySummary[] }> {
    return { keys: await this.apiKeys.list() };
  }

  @Delete('keys/:id')
  async revokeKey(@Param() params: KeyIdParamDto): Promise<{ id: string; revoked: true }> {
    await this.apiKeys.revoke(params.id);
    return { id: params.id, revoked: true };
  }

  @Post('access-keys')
  @HttpCode(200)
  @ApiOkResponse({ description: 'a new access-key pair; `secret_access_key` is shown only here' })
  mintAccessKey(@Body() body: MintKeyDto): Promise<MintedAccessKey> {
    return this.accessKeys.mint(body.description);
  }

  @Get('access-keys')
  async listAccessKeys(): Promise<{ access_keys: AccessKeySummary[] }> {
    return { access_keys: await this.accessKeys.list() };
  }

  @Delete('access-keys/:access_key_id')
  async revokeAccessKey(@Param() params: AccessKeyIdParamDto): Promise<{ access_key_id: string; revoked: true }> {
    await this.accessKeys.revoke(params.access_key_id);
    return { access_key_id: params.access_key_id, revoked: true };
  }
}
