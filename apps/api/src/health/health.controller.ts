import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@fjord/auth';
import { MetricsService } from '@fjord/observability';
import { HealthReport, HealthService } from './health.service';
import { openApiSchema } from '../http/api-docs';
import { z } from 'zod';

const component = z.enum(['ok', 'down', 'disabled']);
const HEALTH_SCHEMA = openApiSchema(
  z.object({
    status: z.enum(['ok', 'degraded']),
    database: z.object({
      status: component,
      kind: z.enum(['postgres', 'pglite']),
      error: z.string().optional(),
      busy_ms: z.number().int().optional().describe('embedded only: how long the database thread has been on its current statement'),
      replicas: z
        .array(
          z.object({
            name: z.string().describe('host:port/database'),
            status: z.enum(['ok', 'lagging', 'down']).describe('ok: serving reads; lagging or down: skipped, reads go to the primary'),
            lag_ms: z.number().int().optional(),
            error: z.string().optional(),
          }),
        )
        .optional()
        .describe('read replicas (DATABASE_READ_URLS), when configured'),
    }),
    redis: z.object({ status: component, error: z.string().optional() }),
  }),
);

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
  @ApiResponse({ status: 200, description: 'every component is up', schema: HEALTH_SCHEMA })
  @ApiResponse({ status: 503, description: 'a component is down (the report names it)', schema: HEALTH_SCHEMA })
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
