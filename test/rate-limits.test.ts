import type { INestApplication } from '@nestjs/common';
import { createApiApp } from '../apps/api/src/create-api-app';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { hasPostgres, hasRedis } from './support/test-database';
import { TestStack, startTestStack } from './support/test-stack';
import { call, createBot, mintKey } from './bots-harness';

/**
 * Per-key rate limits by key kind: 429 with Retry-After in each family's envelope, and (with Redis)
 * one set of counters for every API process.
 */

const MODEL = 'Doubao-1.5-pro-32k';
const LIMITS = { bot: { requestsPerSecond: 3, concurrentChats: 1 }, admin: { uploadsPerMinute: 2, uploadBytesPerDay: 100_000 } };

describe('rate limits (embedded)', () => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;
  let key: string;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ latencyMs: 400 });
    stack = await startTestStack('embedded', { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0', RATE_LIMITS: JSON.stringify(LIMITS) });
    bot = await createBot(stack, { name: 'Plain', model: MODEL });
    key = await mintKey(stack, [bot.id]);
    expect((await stack.post('/api/knowledge/collection/create', { name: 'quota' })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  it('requests per second for a temporary key: 429 RateLimitExceeded with Retry-After, the admin unaffected', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => call(stack, 'GET', '/v1/models', undefined, key)));
    const refused = replies.filter((reply) => reply.status === 429);
    // A burst can straddle two one-second windows: at most twice the limit gets through.
    expect(replies.length - refused.length).toBeLessThanOrEqual(6);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    expect(refused[0].body).toEqual({ error: { code: 'RateLimitExceeded', type: 'TooManyRequests', param: '', message: expect.stringContaining('3 requests per second') } });
    expect(refused[0].headers.get('retry-after')).toBe('1');
    const admin = await Promise.all(Array.from({ length: 10 }, () => call(stack, 'GET', '/v1/models')));
    expect(admin.every((reply) => reply.status === 200)).toBe(true);
  });

  it('concurrent chats for a temporary key: the second at once is a 429 in the bot envelope, and the slot comes back', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const ask = () => call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, { messages: [{ role: 'user', content: 'hi' }] }, key);
    const [first, second] = await Promise.all([ask(), new Promise((resolve) => setTimeout(resolve, 100)).then(ask)]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(429);
    expect(second.body).toEqual({ req_id: expect.any(String), error: { code: 'RateLimitExceeded', message: expect.stringContaining('1 concurrent chats') } });
    expect((await ask()).status).toBe(200);
  });

  it('uploads: bytes per day, then uploads per minute, as Viking 1000029', async () => {
    const add = (docId: string, size: number) =>
      stack.post('/api/knowledge/doc/add', { collection_name: 'quota', add_type: 'text', doc_id: docId, doc_name: `${docId}.txt`, content: 'quota words '.repeat(size / 12) });
    expect((await add('first', 60_000)).status).toBe(200);
    const overBytes = await add('second', 60_000);
    expect(overBytes).toMatchObject({ status: 429, body: { code: 1000029, message: expect.stringContaining('upload bytes per day') } });
    expect(Number(overBytes.headers.get('retry-after'))).toBeGreaterThan(0);
    const overCount = await add('third', 120);
    expect(overCount).toMatchObject({ status: 429, body: { code: 1000029, message: expect.stringContaining('2 uploads per minute') } });
    const listed = await stack.post('/api/knowledge/doc/list', { collection_name: 'quota' });
    expect(listed.body.data.doc_list.map((d: { doc_id: string }) => d.doc_id)).toEqual(['first']);
  });
});

const services = hasPostgres && hasRedis ? describe : describe.skip;

services('rate limits shared by two API processes through Redis (services)', () => {
  let stack: TestStack;
  let second: INestApplication;
  let secondUrl: string;

  beforeAll(async () => {
    stack = await startTestStack('services', { RATE_LIMITS: JSON.stringify({ admin: { uploadsPerMinute: 3 } }) });
    // A second API on the same database, Redis and prefix, as a second process would be.
    second = await createApiApp(stack.config);
    await second.listen(0, '127.0.0.1');
    secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as { port: number }).port}`;
    expect((await stack.post('/api/knowledge/collection/create', { name: 'shared' })).status).toBe(200);
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
  });

  it('uploads per minute count across both processes', async () => {
    const add = (baseUrl: string, docId: string) => call({ ...stack, baseUrl }, 'POST', '/api/knowledge/doc/add', { collection_name: 'shared', add_type: 'text', doc_id: docId, content: `text of ${docId}` });
    const statuses = [];
    for (const [baseUrl, docId] of [[stack.baseUrl, 'a'], [secondUrl, 'b'], [stack.baseUrl, 'c'], [secondUrl, 'd']]) statuses.push((await add(baseUrl, docId)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
