import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '@fjord/config';

/**
 * No inline scripts and no eval. Inline *styles* stay allowed: the component library sets CSS variables
 * in style attributes, which cannot carry script.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The repository root (where package.json is), from the source tree or from dist/. */
function projectRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Where `npm run build` puts the console (vite's outDir). */
export function consoleDistDir(): string {
  return join(projectRoot(), 'dist', 'console');
}

function setConsoleHeaders(res: Response, path: string): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  // Hashed asset names never change content; index.html must be re-read to pick up a new build.
  res.setHeader('Cache-Control', path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable');
}

/**
 * `GET /`: the console for a browser (when built), a small JSON map of the service otherwise.
 * The API keeps every path it had; the console's files live at the root beside them.
 */
export function mountConsole(app: NestExpressApplication, dir = consoleDistDir()): void {
  const built = existsSync(join(dir, 'index.html'));
  app.use('/', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || req.path !== '/' || Object.keys(req.query).length > 0) return next();
    if (built && req.accepts(['json', 'html']) === 'html') return next();
    res.json({
      service: 'fjord',
      console: built ? '/' : null,
      docs: '/docs',
      openapi: '/docs-json',
      health: '/health',
      ...(built ? {} : { note: 'the web console is not built: run npm run build' }),
    });
  });
  if (built) app.useStaticAssets(dir, { index: 'index.html', setHeaders: setConsoleHeaders, fallthrough: true });
}

/** CORS for browser pages on other origins (CORS_ORIGINS); off when empty. Cookies never cross origins. */
export function enableCors(app: NestExpressApplication, config: AppConfig): void {
  if (config.corsOrigins.length === 0) return;
  app.enableCors({
    origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Client-Request-Id', 'X-Date', 'X-Content-Sha256', 'X-Security-Token'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}
