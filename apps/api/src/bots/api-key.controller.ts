import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { BotKeyService } from '@fjord/bots';
import { GetApiKeyDto, OpenApiActionDto } from './bots.dto';
import { GetApiKeyResponse, getApiKeyResponseSchema, toGetApiKeyResponse } from './bot-management.responses';
import { RequestId } from './request-id.decorator';
import { ApiJsonOk } from '../http/api-docs';

/** `POST /?Action=GetApiKey&Version=2024-01-01` (api.md section 3): admin key only. */
@ApiTags('Bots')
@ApiBearerAuth()
@Controller()
export class ApiKeyController {
  constructor(private readonly keys: BotKeyService) {}

  @Post()
  @HttpCode(200)
  @ApiJsonOk('GetApiKey: mint a temporary key that may chat only with the named bots', getApiKeyResponseSchema)
  async getApiKey(@Query() _action: OpenApiActionDto, @Body() body: GetApiKeyDto, @RequestId() requestId: string): Promise<GetApiKeyResponse> {
    return toGetApiKeyResponse(requestId, await this.keys.grant(body));
  }
}
