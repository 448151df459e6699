import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { BotService } from '@fjord/bots';
import { BotIdParamDto, CreateBotDto, UpdateBotDto } from './bots.dto';
import { z } from 'zod';
import { BotListResponse, BotResponse, botListResponseSchema, botResponseSchema, toBotListResponse, toBotResponse } from './bot-management.responses';
import { ApiJsonOk } from '../http/api-docs';

/** Bot management (api.md section 3, ext): admin key only (the global guard refuses bot keys). */
@ApiTags('Bots')
@ApiBearerAuth()
@Controller('api/v2/bots')
export class BotsController {
  constructor(private readonly bots: BotService) {}

  @Post()
  @HttpCode(200)
  @ApiJsonOk('Create a bot (model, system prompt, knowledge)', botResponseSchema)
  async create(@Body() body: CreateBotDto): Promise<BotResponse> {
    return toBotResponse(await this.bots.create(body));
  }

  @Get()
  @ApiJsonOk('List bots, oldest first', botListResponseSchema)
  async list(): Promise<BotListResponse> {
    return toBotListResponse(await this.bots.list());
  }

  @Get(':bot_id')
  @ApiJsonOk('One bot', botResponseSchema)
  async get(@Param() params: BotIdParamDto): Promise<BotResponse> {
    return toBotResponse(await this.bots.get(params.bot_id));
  }

  @Put(':bot_id')
  @ApiJsonOk('Change the fields given (knowledge: null removes it)', botResponseSchema)
  async update(@Param() params: BotIdParamDto, @Body() body: UpdateBotDto): Promise<BotResponse> {
    return toBotResponse(await this.bots.update(params.bot_id, body));
  }

  @Delete(':bot_id')
  @ApiJsonOk('Delete a bot', z.object({ id: z.string(), deleted: z.literal(true) }))
  async delete(@Param() params: BotIdParamDto): Promise<{ id: string; deleted: true }> {
    await this.bots.delete(params.bot_id);
    return { id: params.bot_id, deleted: true };
  }
}
