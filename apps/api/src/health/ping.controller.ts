import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '@fjord/auth';

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
  @ApiOkResponse({ description: 'the service is reachable' })
  ping(): { code: number; message: string; data: { status: 'ok' } } {
    return { code: 0, message: 'success', data: { status: 'ok' } };
  }
}
