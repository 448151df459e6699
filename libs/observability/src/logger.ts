import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '@fjord/config';

const REQUEST_ID_HEADERS = ['x-client-request-id', 'x-request-id'] as const;
const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The client's request id when it sent a sane one, else a new UUID. Echoed as X-Request-Id. */
export function requestIdFor(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  let id: string | undefined;
  for (const header of REQUEST_ID_HEADERS) {
    const value = req.headers[header];
    if (typeof value === 'string' && SAFE_REQUEST_ID.test(value)) {
      id = value;
      break;
    }
  }
  id ??= randomUUID();
  res.setHeader('X-Request-Id', id);
  req.id = id;
  return id;
}

/** Express middleware registered before the body parser, so even a malformed body's error has an id. */
export function requestIdMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  requestIdFor(req, res);
  next();
}

/** JSON logs (pino) with the request id on every line; keys and bodies are never logged. */
export function loggerParams(config: Pick<AppConfig, 'logLevel'>): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: requestIdFor,
      customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      },
    },
  };
}
