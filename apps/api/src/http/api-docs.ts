import { createHash } from 'node:crypto';
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import { z } from 'zod';
import { vikingEnvelope } from '../viking/viking-response.schemas';

/**
 * OpenAPI decorators over zod schemas, so /docs (and the console's generated client) describe each
 * answer with the same schema the code is checked against.
 */

/** Shared sub-schemas (recursive ones such as doc_filter) hoisted out of inline schemas, by content hash. */
export const HOISTED_SCHEMAS: Record<string, Record<string, unknown>> = {};

export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema: _dialect, definitions, ...rest } = json as { $schema?: string; definitions?: Record<string, unknown> } & Record<string, unknown>;
  if (!definitions) return rest;
  // An inline schema's local `#/definitions/x` refs cannot live inside an OpenAPI document: move each
  // definition to components under a name that only its content decides, and point the refs there.
  const renames = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    renames.set(name, `Shared_${createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 12)}`);
  }
  const relink = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (key, v: unknown) =>
      key === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/') ? `#/components/schemas/${renames.get(v.slice(14))}` : v,
    );
  for (const [name, definition] of Object.entries(definitions)) HOISTED_SCHEMAS[renames.get(name) as string] = relink(definition) as Record<string, unknown>;
  return relink(rest) as Record<string, unknown>;
}

/** A Viking operation: the success envelope `{code: 0, message, data, request_id}` around `data`. */
export function ApiVikingOk(summary: string, data: z.ZodType = z.null(), description?: string) {
  return applyDecorators(
    ApiOperation({ summary, description }),
    ApiOkResponse({ description: 'success', schema: openApiSchema(vikingEnvelope(data)) }),
  );
}

/**
 * A JSON answer, or with `stream: true` server-sent events; the `text/event-stream` schema is the JSON
 * of one event's `data:` line.
 */
function okOrStream(summary: string, json: z.ZodType, event: z.ZodType, description?: string) {
  return applyDecorators(
    ApiOperation({ summary, description }),
    ApiProduces('application/json', 'text/event-stream'),
    ApiOkResponse({
      description: 'success: JSON, or with stream: true a text/event-stream of `data: <event>` lines',
      content: { 'application/json': { schema: openApiSchema(json) }, 'text/event-stream': { schema: openApiSchema(event) } },
    }),
  );
}

/** A Viking operation that may stream: each event is the envelope again, `data` holding the next piece. */
export function ApiVikingOkOrStream(summary: string, data: z.ZodType, description?: string) {
  return okOrStream(summary, vikingEnvelope(data), vikingEnvelope(data), description);
}

/** A plain JSON answer (Ark, bots, OpenAI door, console). */
export function ApiJsonOk(summary: string, schema: z.ZodType, description?: string) {
  return applyDecorators(ApiOperation({ summary, description }), ApiOkResponse({ description: 'success', schema: openApiSchema(schema) }));
}

/** A JSON answer, or server-sent events (`event` schemas one of them) when the request asks for `stream: true`. */
export function ApiJsonOkOrStream(summary: string, schema: z.ZodType, event: z.ZodType, description?: string) {
  return okOrStream(summary, schema, event, description);
}

/** A request body with a worked example (shown by /docs' "Try it out"). */
export function ApiExampleBody(type: new () => unknown, example: Record<string, unknown>) {
  return ApiBody({ type, examples: { example: { summary: 'example', value: example } } });
}
