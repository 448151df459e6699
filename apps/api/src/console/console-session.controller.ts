import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  CONSOLE_SESSION_COOKIE,
  ConsoleSessionService,
  CurrentPrincipal,
  Principal,
  Public,
  assertSameOriginConsoleRequest,
} from '@fjord/auth';
import { ConsoleSessionDto, SignInDto, consoleSessionSchema } from './console-session.dto';

type ConsoleSession = z.infer<typeof consoleSessionSchema>;

function toConsoleSession(principal: Principal, expiresAt: Date | undefined): ConsoleSession {
  return {
    kind: principal.kind,
    bot_ids: principal.kind === 'bot' ? principal.botIds : [],
    expires_at: (expiresAt ?? (principal.kind === 'bot' ? principal.expiresAt : undefined))?.getTime() ?? null,
  };
}

/** Sign-in for the web console: an API key in, an HttpOnly SameSite=Strict cookie out. */
@ApiTags('Console')
@Controller('console/session')
export class ConsoleSessionController {
  constructor(private readonly sessions: ConsoleSessionService) {}

  @Public()
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in: exchange an API key for a console session cookie' })
  @ApiOkResponse({ type: ConsoleSessionDto, description: 'Set-Cookie carries the session; the key is not stored in the browser' })
  async signIn(@Body() body: SignInDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<ConsoleSession> {
    assertSameOriginConsoleRequest(req);
    const session = await this.sessions.open(body.api_key);
    res.cookie(CONSOLE_SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      expires: session.expiresAt,
    });
    return toConsoleSession(session.principal, session.expiresAt);
  }

  @Get()
  @ApiCookieAuth()
  @ApiOperation({ summary: 'Who is signed in (the session cookie, or the bearer key)' })
  @ApiOkResponse({ type: ConsoleSessionDto })
  whoAmI(@CurrentPrincipal() principal: Principal): ConsoleSession {
    return toConsoleSession(principal, undefined);
  }

  @Public()
  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: revoke the session and clear its cookie' })
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    assertSameOriginConsoleRequest(req);
    await this.sessions.close(req);
    res.clearCookie(CONSOLE_SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
  }
}
