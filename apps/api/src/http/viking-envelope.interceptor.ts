import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, map } from 'rxjs';

/** Wraps a Viking handler's return value in `{code: 0, message: "success", data, request_id}`, HTTP 200. */
@Injectable()
export class VikingEnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    return next.handle().pipe(
      map((data: unknown) => {
        response.status(200);
        return { code: 0, message: 'success', data: data ?? null, request_id: String(request.id ?? '') };
      }),
    );
  }
}
