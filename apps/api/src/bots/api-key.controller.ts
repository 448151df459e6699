import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BotKeyService } from '@fjord/bots';
import { GetApiKeyDto, OpenApiActionDto } from './bots.dto';
import { GetApiKeyResponse, toGetApiKeyResponse } from './bot-management.responses';
import { RequestId } from './request-id.decorator';

/** `POST /?Action=GetApiKey&Version=2024-01-01` (api.md section 3): admin key only. */
@ApiTags('Bots')
@ApiBearerAuth()
@Controller()
export class ApiKeyController {
  constructor(private readonly keys: BotKeyService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ description: 'a temporary key for the named bots' })
  async getApiKey(@Query() _action: OpenApiActionDto, @Body() body: GetApiKeyDto, @RequestId() requestId: string): Promise<GetApiKeyResponse> {
    return toGetApiKeyResponse(requestId, await this.keys.grant(body));
  }
}
