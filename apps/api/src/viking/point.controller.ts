import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PointService } from '@fjord/knowledge';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { AddPointDto, ListPointsDto, PointRefDto, UpdatePointDto } from './viking.dto';
import { pointInfo } from './viking.responses';

@ApiTags('Viking: points')
@ApiBearerAuth()
@Controller('api/knowledge/point')
@UseInterceptors(VikingEnvelopeInterceptor)
export class PointController {
  constructor(private readonly points: PointService) {}

  @Post('list')
  @HttpCode(200)
  async list(@Body() body: ListPointsDto) {
    const { collection, items, total } = await this.points.list(body);
    return { point_list: items.map((i) => pointInfo(collection, i.point, i.document)), total_num: total };
  }

  @Post('info')
  @HttpCode(200)
  async info(@Body() body: PointRefDto) {
    const { collection, point, document } = await this.points.info(body);
    return pointInfo(collection, point, document);
  }

  @Post('add')
  @HttpCode(200)
  async add(@Body() body: AddPointDto) {
    const { collection, point, document } = await this.points.add(body);
    return pointInfo(collection, point, document);
  }

  @Post('update')
  @HttpCode(200)
  async update(@Body() body: UpdatePointDto) {
    await this.points.update(body);
  }

  @Post('delete')
  @HttpCode(200)
  async delete(@Body() body: PointRefDto) {
    await this.points.delete(body);
  }
}
