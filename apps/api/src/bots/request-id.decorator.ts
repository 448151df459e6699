import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The request id (X-Request-Id) the request-id middleware assigned. */
export const RequestId = createParamDecorator((_data: unknown, ctx: ExecutionContext): string =>
  String(ctx.switchToHttp().getRequest<{ id?: unknown }>().id ?? ''),
);
