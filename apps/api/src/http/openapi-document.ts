import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { cleanupOpenApiDoc } from 'nestjs-zod';
import { CONSOLE_SESSION_COOKIE } from '@fjord/auth';
import { vikingErrorSchema } from '../viking/viking-response.schemas';
import { HOISTED_SCHEMAS, openApiSchema } from './api-docs';
import { ApiFamily, apiFamilyOf } from './error-envelopes';

/** Each family's error body (error-envelopes.ts renders them), as OpenAPI components. */
const ERROR_SCHEMAS: Record<ApiFamily, { name: string; schema: Record<string, unknown> }> = {
  viking: { name: 'VikingError', schema: openApiSchema(vikingErrorSchema) },
  ark: {
    name: 'ArkError',
    schema: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message', 'param', 'type'],
          properties: {
            code: { type: 'string', description: 'e.g. InvalidParameter, MissingParameter, AuthenticationError, ContextNotFound' },
            message: { type: 'string' },
            param: { type: 'string' },
            type: { type: 'string', description: 'BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests, BadGateway, InternalServerError' },
          },
        },
      },
      example: { error: { code: 'ContextNotFound', message: 'context ctx-20261130120000-abc not found or expired', param: 'context_id', type: 'NotFound' } },
    },
  },
  bot: {
    name: 'BotError',
    schema: {
      type: 'object',
      required: ['req_id', 'error'],
      properties: {
        req_id: { type: 'string' },
        error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      },
      example: { req_id: '021764489600000abc', error: { code: 'InvalidEndpointOrModel.NotFound', message: 'bot bot-20261130120000-0123456789abcdef not found' } },
    },
  },
  openapi: {
    name: 'OpenApiActionError',
    schema: {
      type: 'object',
      required: ['ResponseMetadata'],
      properties: {
        ResponseMetadata: {
          type: 'object',
          properties: {
            RequestId: { type: 'string' },
            Error: { type: 'object', properties: { Code: { type: 'string' }, Message: { type: 'string' } } },
          },
        },
      },
      example: { ResponseMetadata: { RequestId: '021764489600000abc', Error: { Code: 'AccessDenied', Message: 'only the admin key may mint keys' } } },
    },
  },
  plain: {
    name: 'PlainError',
    schema: {
      type: 'object',
      required: ['error', 'request_id'],
      properties: {
        error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
        request_id: { type: 'string' },
      },
      example: { error: { code: 'AuthenticationError', message: 'invalid API key' }, request_id: '021764489600000abc' },
    },
  },
};

const ERROR_STATUSES: Record<string, string> = {
  '400': 'invalid request (validation, malformed JSON, bad file)',
  '401': 'missing, invalid or expired key',
  '403': 'the key may not do this',
  '404': 'no such collection, document, point, bot, context or model',
  '413': 'body or file larger than the configured limit',
  '429': 'rate limited',
  '500': 'internal or upstream failure',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Keyless probes that answer the same whatever is sent: no error answers to describe. */
const PUBLIC_PROBES = new Set(['/health', '/ping']);

/** Adds every operation's error answers in its own family's envelope, and the security schemes. */
function addErrorResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  for (const { name, schema } of Object.values(ERROR_SCHEMAS)) document.components.schemas[name] = schema;
  Object.assign(document.components.schemas, HOISTED_SCHEMAS);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation || PUBLIC_PROBES.has(path)) continue;
      const family = apiFamilyOf(path, path === '/' ? { Action: 'GetApiKey' } : {});
      const ref = { $ref: `#/components/schemas/${ERROR_SCHEMAS[family].name}` };
      for (const [status, description] of Object.entries(ERROR_STATUSES)) {
        operation.responses[status] ??= { description, content: { 'application/json': { schema: ref } } };
      }
    }
  }
  return document;
}

/** The document served at /docs and /docs-json, and the one the console's API client is generated from. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('fjord')
      .setDescription(
        'Viking knowledge-base, Ark Context and Ark Bot v2 compatible RAG service. Authenticate with ' +
          '`Authorization: Bearer <API key>` (the admin key printed at first start and saved to DATA_DIR/admin-key, ' +
          'or a temporary bot key), a Volcengine V4 signature, or the web console\'s session cookie. ' +
          'The web console is served at `/`.',
      )
      .setVersion(process.env.npm_package_version ?? '0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'an API key issued by fjord' })
      .addCookieAuth(CONSOLE_SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: CONSOLE_SESSION_COOKIE, description: 'the console session (POST /console/session)' })
      .build(),
  );
  return addErrorResponses(cleanupOpenApiDoc(document));
}
