import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';
import { createBot, mintKey, seedCollection } from './bots-harness';

/** fjord's MCP server at /mcp, driven by the official MCP SDK's own client over real HTTP. */
describe('MCP server (/mcp, Streamable HTTP)', () => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let bot: any;
  let other: any;
  const clients: Client[] = [];

  async function connect(key: string): Promise<Client> {
    const client = new Client({ name: 'fjord-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${stack.baseUrl}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
    clients.push(client);
    return client;
  }

  function payload(result: Awaited<ReturnType<Client['callTool']>>): any {
    expect(result.isError).toBeFalsy();
    const [content] = result.content as Array<{ type: string; text: string }>;
    const parsed = JSON.parse(content.text);
    expect(result.structuredContent).toEqual(parsed);
    return parsed;
  }

  function errorText(result: Awaited<ReturnType<Client['callTool']>>): string {
    expect(result.isError).toBe(true);
    return (result.content as Array<{ text: string }>)[0].text;
  }

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start({ reply: () => 'Refunds need the receipt [1].' });
    stack = await startTestStack('embedded', { LLM_BASE_URL: fake.baseUrl, LLM_MAX_RETRIES: '0' });
    await seedCollection(stack, 'handbook', [
      { id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days when you send the receipt.' },
      { id: 'security', name: 'security.md', text: '# Security\n\nPasswords are rotated every 90 days.' },
    ]);
    await stack.post('/api/knowledge/collection/create', { name: 'secret_kb' });
    bot = await createBot(stack, { name: 'Handbook', model: 'm', knowledge: { collections: [{ name: 'handbook' }], limit: 1 } });
    other = await createBot(stack, { name: 'Other', model: 'm' });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await stack?.close();
    await fake?.close();
  });

  it('lists its tools with the HTTP API\'s input schemas', async () => {
    const client = await connect(TEST_ADMIN_KEY);
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['chat_bot', 'chat_knowledge', 'list_bots', 'list_collections', 'list_points', 'search_knowledge']);
    const search = tools.find((tool) => tool.name === 'search_knowledge');
    expect(search?.inputSchema).toMatchObject({ type: 'object', properties: { query: expect.any(Object), limit: expect.any(Object), debug: expect.any(Object), query_param: expect.any(Object) } });
    expect(search?.inputSchema.required).toContain('query');
  });

  it('lists collections, searches with a filter and debug, and reads a document\'s points', async () => {
    const client = await connect(TEST_ADMIN_KEY);
    const collections = payload(await client.callTool({ name: 'list_collections', arguments: {} }));
    expect(collections.collection_list.map((c: { collection_name: string }) => c.collection_name).sort()).toEqual(['handbook', 'secret_kb']);

    const search = payload(
      await client.callTool({
        name: 'search_knowledge',
        arguments: { collection_name: 'handbook', query: 'refund train tickets', limit: 5, debug: true, query_param: { doc_filter: { op: 'must', field: 'doc_id', conds: ['travel'] } }, resource_id: null },
      }),
    );
    expect(search.result_list.length).toBeGreaterThan(0);
    expect(search.result_list.every((item: { doc_info: { doc_id: string } }) => item.doc_info.doc_id === 'travel')).toBe(true);
    expect(search.result_list[0].debug).toMatchObject({ dense: expect.any(Object), lexical: expect.any(Object), fused: expect.any(Object) });

    const points = payload(await client.callTool({ name: 'list_points', arguments: { collection_name: 'handbook', doc_ids: ['security'], limit: -1 } }));
    expect(points.total_num).toBe(1);
    expect(points.point_list[0].content).toContain('Passwords are rotated');
  });

  it('asks a collection and a bot, with references', async () => {
    const client = await connect(TEST_ADMIN_KEY);
    const knowledge = payload(await client.callTool({ name: 'chat_knowledge', arguments: { model: 'm', collection_name: 'handbook', messages: [{ role: 'user', content: 'How are train tickets refunded?' }] } }));
    expect(knowledge.generated_answer).toBe('Refunds need the receipt [1].');
    expect(knowledge.references[0]).toMatchObject({ doc_id: 'travel' });
    expect(knowledge.usage.total_tokens).toBeGreaterThan(0);

    const answer = payload(await client.callTool({ name: 'chat_bot', arguments: { bot_id: bot.id, messages: [{ role: 'user', content: 'How are train tickets refunded?' }] } }));
    expect(answer.choices[0].message).toMatchObject({ content: 'Refunds need the receipt [1].', references: [expect.objectContaining({ doc_id: 'travel' })] });
    expect(answer.usage.action_usage[0]).toMatchObject({ name: 'knowledge_search', search_count: 1 });
  });

  it('answers domain errors as tool errors with the HTTP message', async () => {
    const client = await connect(TEST_ADMIN_KEY);
    expect(errorText(await client.callTool({ name: 'search_knowledge', arguments: { collection_name: 'nope', query: 'x' } }))).toBe('collection nope in project default does not exist');
    expect(errorText(await client.callTool({ name: 'search_knowledge', arguments: { collection_name: 'handbook', query: 'x', limit: 0 } }))).toMatch(/limit/);
  });

  it('a temporary bot key sees only the bot tools and only its bots', async () => {
    const client = await connect(await mintKey(stack, [bot.id]));
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['chat_bot', 'list_bots']);
    const bots = payload(await client.callTool({ name: 'list_bots', arguments: {} }));
    expect(bots.bots.map((b: { id: string }) => b.id)).toEqual([bot.id]);
    expect(errorText(await client.callTool({ name: 'chat_bot', arguments: { bot_id: other.id, messages: [{ role: 'user', content: 'hi' }] } }))).toBe(`this key may not chat with bot ${other.id}`);
    expect(errorText(await client.callTool({ name: 'search_knowledge', arguments: { collection_name: 'secret_kb', query: 'x' } }))).toMatch(/not found/i);
  });

  it('is stateless: GET (a server-sent stream) and DELETE (end a session) are refused', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${stack.baseUrl}/mcp`, { method, headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, accept: 'application/json, text/event-stream' } });
      expect(response.status).toBe(405);
    }
  });

  it('refuses a client without a valid key', async () => {
    const client = new Client({ name: 'fjord-test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${stack.baseUrl}/mcp`), { requestInit: { headers: { Authorization: 'Bearer wrong' } } }))).rejects.toThrow(/401|invalid API key/);
  });
});
