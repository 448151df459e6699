import { All, Controller, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowBotKeys, CurrentPrincipal, Principal } from '@fjord/auth';
import { McpHttpService } from './mcp-http.service';

/** `/mcp`: fjord's tools for agents over MCP's Streamable HTTP transport, authenticated like every route. */
@ApiExcludeController()
@ApiBearerAuth()
@Controller('mcp')
export class McpController {
  constructor(private readonly mcp: McpHttpService) {}

  @All()
  @AllowBotKeys()
  handle(@CurrentPrincipal() principal: Principal, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.mcp.handle(principal, req, res);
  }
}
