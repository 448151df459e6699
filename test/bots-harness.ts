import { hashApiKey } from '@fjord/auth';
import { DB, Db } from '@fjord/database';
import { TEST_ADMIN_KEY, TestStack, waitForDocument } from './support/test-stack';

/** Shared by the test/bots*.test.ts suites: plain fetch calls, as a curl user would make them. */

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(stack: TestStack, method: string, path: string, body?: unknown, key: string | null = TEST_ADMIN_KEY): Promise<Reply> {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export const GET_API_KEY = '/?Action=GetApiKey&Version=2024-01-01';

export async function createBot(stack: TestStack, body: Record<string, unknown>): Promise<any> {
  const reply = await call(stack, 'POST', '/api/v2/bots', body);
  if (reply.status !== 200) throw new Error(`create bot failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function mintKey(stack: TestStack, botIds: string[], durationSeconds = 3600): Promise<string> {
  const reply = await call(stack, 'POST', GET_API_KEY, { DurationSeconds: durationSeconds, ResourceType: 'bot', ResourceIds: botIds });
  if (reply.status !== 200) throw new Error(`GetApiKey failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body.Result.ApiKey;
}

/** Moves a key's expiry into the past, as if its DurationSeconds had run out. */
export async function expireKey(stack: TestStack, key: string): Promise<void> {
  const db = stack.app.get<Db>(DB);
  const { rowCount } = await db.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_hash = $1", [hashApiKey(key)]);
  if (rowCount !== 1) throw new Error('no such key');
}

/** A collection with text documents, each fully indexed. */
export async function seedCollection(stack: TestStack, name: string, docs: Array<{ id: string; name: string; text: string }>): Promise<string> {
  const created = await stack.post('/api/knowledge/collection/create', { name });
  if (created.status !== 200) throw new Error(`collection/create failed: ${JSON.stringify(created.body)}`);
  for (const doc of docs) {
    const added = await stack.post('/api/knowledge/doc/add', { collection_name: name, add_type: 'text', doc_id: doc.id, doc_name: doc.name, content: doc.text });
    if (added.status !== 200) throw new Error(`doc/add failed: ${JSON.stringify(added.body)}`);
  }
  for (const doc of docs) {
    const done = await waitForDocument(stack, { collection_name: name, doc_id: doc.id });
    if (done.process_status !== 0) throw new Error(`document ${doc.id} failed: ${JSON.stringify(done)}`);
  }
  return created.body.data.resource_id;
}

/** Parses a text/event-stream body into its `data:` payloads (JSON, or the literal `[DONE]`). */
export function sseData(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const lines = frame.split('\n').filter((line) => line.startsWith('data: '));
      if (lines.length !== 1) throw new Error(`not one data line in frame: ${JSON.stringify(frame)}`);
      const data = lines[0].slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}
