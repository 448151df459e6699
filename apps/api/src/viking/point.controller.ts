import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PointService } from '@fjord/knowledge';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { AddPointDto, ListPointsDto, PointRefDto, UpdatePointDto } from './viking.dto';
import { pointInfo } from './viking.responses';
import { ApiVikingOk } from '../http/api-docs';
import { pointListSchema, pointSchema } from './viking-response.schemas';

@ApiTags('Viking: points')
@ApiBearerAuth()
@Controller('api/knowledge/point')
@UseInterceptors(VikingEnvelopeInterceptor)
export class PointController {
  constructor(private readonly points: PointService) {}

  @Post('list')
  @ApiVikingOk('List points (chunks) in document order', pointListSchema)
  @HttpCode(200)
  async list(@Body() body: ListPointsDto) {
    const { collection, items, total } = await this.points.list(body);
    return { point_list: items.map((i) => pointInfo(collection, i.point, i.document)), total_num: total };
  }

  @Post('info')
  @ApiVikingOk('One point', pointSchema)
  @HttpCode(200)
  async info(@Body() body: PointRefDto) {
    const { collection, point, document } = await this.points.info(body);
    return pointInfo(collection, point, document);
  }

  @Post('add')
  @ApiVikingOk('Add a point to a document', pointSchema)
  @HttpCode(200)
  async add(@Body() body: AddPointDto) {
    const { collection, point, document } = await this.points.add(body);
    return pointInfo(collection, point, document);
  }

  @Post('update')
  @ApiVikingOk('Edit a point\'s title or content (re-embedded and re-indexed)')
  @HttpCode(200)
  async update(@Body() body: UpdatePointDto) {
    await this.points.update(body);
  }

  @Post('delete')
  @ApiVikingOk('Delete a point')
  @HttpCode(200)
  async delete(@Body() body: PointRefDto) {
    await this.points.delete(body);
  }
}
