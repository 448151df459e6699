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

/** Query parameters whose values are safe to log; every other value is replaced (a key sent as `?api_key=` must not reach the log). */
const LOGGABLE_QUERY_PARAMS = new Set(['Action', 'Version']);

/** The request target for the log: the path, and the query with every value not known to be harmless redacted. */
export function loggableUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const query = url
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq < 0 || LOGGABLE_QUERY_PARAMS.has(name) ? pair : `${name}=[redacted]`;
    })
    .join('&');
  return `${url.slice(0, queryAt)}?${query}`;
}

/** Whether logs are short human-readable lines (LOG_FORMAT, else: stdout is a terminal). */
export function prettyLogs(config: Pick<AppConfig, 'logFormat'>): boolean {
  return (config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
}

/**
 * pino logs with the request id on every line; keys and bodies are never logged. JSON for log
 * shippers; in a terminal, one short line per event (pino-pretty: time, level, message).
 */
export function loggerParams(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      ...(prettyLogs(config)
        ? {
            transport: {
              target: 'pino-pretty',
              options: { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,context,req,res,requestId,responseTime', messageFormat: '{if context}{context}: {end}{msg}{if req.method} {req.method} {req.url}{end}{if res.statusCode} -> {res.statusCode} in {responseTime} ms{end}' },
            },
          }
        : {}),
      genReqId: requestIdFor,
      customProps: (req) => ({ requestId: (req as IncomingMessage & { id?: string }).id }),
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: loggableUrl(req.url) }),
      },
    },
  };
}
