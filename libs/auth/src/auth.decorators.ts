import { SetMetadata, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal';

export const IS_PUBLIC = 'fjord:public';
export const ALLOW_BOT_KEYS = 'fjord:allow-bot-keys';

/** No key needed (GET /health only). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
/** Temporary bot keys may call this handler (bot chat); the handler still checks which bot. */
export const AllowBotKeys = () => SetMetadata(ALLOW_BOT_KEYS, true);

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<{ principal: Principal }>().principal,
);
