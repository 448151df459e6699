import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Public } from '@fjord/auth';
import { ApiJsonOk } from '../http/api-docs';

const pingSchema = z.object({ code: z.literal(0), message: z.literal('success'), data: z.object({ status: z.literal('ok') }) });

/**
 * `GET /ping`: the Volcengine SDK calls it from its constructor and only checks for a 200 with JSON.
 * Public, and any credential sent with it is ignored: a wrong key should fail on the first real call
 * with a reason, not as "host or region is incorrect".
 */
@ApiTags('Health')
@Controller()
export class PingController {
  @Public()
  @Get('ping')
  @Header('Cache-Control', 'no-store')
  @ApiJsonOk('Reachability check (the Volcengine SDK calls it first); no key needed, any sent is ignored', pingSchema)
  ping(): { code: number; message: string; data: { status: 'ok' } } {
    return { code: 0, message: 'success', data: { status: 'ok' } };
  }
}
