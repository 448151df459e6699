import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { BotService } from '@fjord/bots';
import { BotIdParamDto, CreateBotDto, UpdateBotDto } from './bots.dto';
import { BotListResponse, BotResponse, toBotListResponse, toBotResponse } from './bot-management.responses';

/** Bot management (api.md section 3, ext): admin key only (the global guard refuses bot keys). */
@ApiTags('Bots')
@ApiBearerAuth()
@Controller('api/v2/bots')
export class BotsController {
  constructor(private readonly bots: BotService) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ description: 'the created bot' })
  async create(@Body() body: CreateBotDto): Promise<BotResponse> {
    return toBotResponse(await this.bots.create(body));
  }

  @Get()
  async list(): Promise<BotListResponse> {
    return toBotListResponse(await this.bots.list());
  }

  @Get(':bot_id')
  async get(@Param() params: BotIdParamDto): Promise<BotResponse> {
    return toBotResponse(await this.bots.get(params.bot_id));
  }

  @Put(':bot_id')
  async update(@Param() params: BotIdParamDto, @Body() body: UpdateBotDto): Promise<BotResponse> {
    return toBotResponse(await this.bots.update(params.bot_id, body));
  }

  @Delete(':bot_id')
  async delete(@Param() params: BotIdParamDto): Promise<{ id: string; deleted: true }> {
    await this.bots.delete(params.bot_id);
    return { id: params.bot_id, deleted: true };
  }
}
