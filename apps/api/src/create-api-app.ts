import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { Authenticator, PublicRoutes, authenticateBeforeBody, verifySignedBody } from '@fjord/auth';
import { AppConfig } from '@fjord/config';
import { QuietFrameworkLogger, requestIdMiddleware } from '@fjord/observability';
import { AppModule } from './app.module';
import { enableCors, mountConsole } from './console/console-static';
import { buildOpenApiDocument } from './http/openapi-document';
import { verifyWellFormedJson } from './http/json-body-guard';

/** Builds the HTTP app (used by main.ts, e2e tests and benchmarks alike). */
export async function createApiApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  app.use(requestIdMiddleware);
  // Before authentication, so a browser on an allowed origin can read refusals too.
  enableCors(app, config);
  // Credentials are checked before any body is read; a signed body is checked before it is parsed.
  app.use(authenticateBeforeBody(app.get(Authenticator), app.get(PublicRoutes)));
  app.useBodyParser('json', {
    limit: config.http.maxJsonBytes,
    verify: (request: Parameters<typeof verifySignedBody>[0], response: Parameters<typeof verifySignedBody>[1], body: Buffer) => {
      // A signed body is authenticated before anything else looks at it.
      verifySignedBody(request, response, body);
      verifyWellFormedJson(body);
    },
  });
  app.set('x-powered-by', false);
  // process.exit rather than re-raising the signal: the 'exit' event lets pino flush and the stop be logged.
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  mountConsole(app);
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app));
  return app;
}
