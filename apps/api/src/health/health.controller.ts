import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@fjord/auth';
import { MetricsService } from '@fjord/observability';
import { HealthReport, HealthService } from './health.service';

@ApiTags('Operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  /** 200 when the database (and Redis, when configured) answer; 503 otherwise. No key needed. */
  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: the database (and Redis, when configured) answer; no key needed' })
  @ApiResponse({ status: 200, description: 'every component is up' })
  @ApiResponse({ status: 503, description: 'a component is down (the report names it)' })
  async check(@Res({ passthrough: true }) res: Response): Promise<HealthReport> {
    const report = await this.health.check();
    res.status(report.status === 'ok' ? 200 : 503);
    return report;
  }

  /** Prometheus exposition format; needs a key like every other endpoint. */
  @ApiExcludeEndpoint()
  @Get('metrics')
  async scrape(@Res() res: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    res.type(contentType).send(body);
  }
}
