import { GET_API_KEY, call, createBot, seedCollection } from './bots-harness';
import { FakeOpenAiServer } from './support/fake-openai-server';
import { TestStack, startTestStack } from './support/test-stack';

/**
 * What the official clients send (api.md section 5), byte for byte where it matters: explicit nulls for
 * unset optional arguments, limit -1, Viking embedding-model names and the extra collection fields, the
 * knowledge-chat fields the Viking SDK adds. The rule "null means absent" is checked once per family.
 * Request handling is the same on both backends, so the embedded one is enough here.
 */
describe('requests as the official clients send them', () => {
  let fake: FakeOpenAiServer;
  let stack: TestStack;
  let resourceId: string;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    stack = await startTestStack('embedded', {
      LLM_BASE_URL: fake.baseUrl,
      LLM_MAX_RETRIES: '0',
      EMBEDDING_MODEL_MAP: JSON.stringify({ 'text-embedding-3-large': 'text-embedding-3-large' }),
    });
    resourceId = await seedCollection(stack, 'sdk_kb', [
      { id: 'travel', name: 'travel.md', text: '# Travel\n\nTrain tickets are refunded within 30 days.\n\n## Hotels\n\nHotels are booked through the portal.' },
      { id: 'laptops', name: 'laptops.md', text: '# Laptops\n\nLaptops are replaced every three years.' },
    ]);
  });
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  });

  describe('Viking: null means absent', () => {
    it('doc/list with doc_type and filter null, limit -1 (the SDK\'s list_docs)', async () => {
      const reply = await stack.post('/api/knowledge/doc/list', { collection_name: 'sdk_kb', offset: 0, limit: -1, doc_type: null, project: 'default', filter: null });
      expect(reply.status).toBe(200);
      expect(reply.body.data.doc_list.map((d: { doc_id: string }) => d.doc_id).sort()).toEqual(['laptops', 'travel']);
    });

    it('point/list with doc_ids null and limit -1 returns up to the maximum', async () => {
      const reply = await stack.post('/api/knowledge/point/list', { collection_name: 'sdk_kb', offset: 0, limit: -1, doc_ids: null, project: 'default', get_attachment_link: false });
      expect(reply.status).toBe(200);
      expect(reply.body.data.point_list.length).toBe(reply.body.data.total_num);
      expect(reply.body.data.total_num).toBeGreaterThanOrEqual(2);
      const zero = await stack.post('/api/knowledge/point/list', { collection_name: 'sdk_kb', limit: 0 });
      expect(zero.status).toBe(400);
      expect(zero.body.message).toMatch(/limit: must be -1 or 1\.\.100/);
      expect((await stack.post('/api/knowledge/point/list', { collection_name: 'sdk_kb', limit: 101 })).status).toBe(400);
    });

    it('a collection addressed by resource_id next to name, collection_name and project null', async () => {
      const info = await stack.post('/api/knowledge/collection/info', { name: null, project: null, resource_id: resourceId });
      expect(info.status).toBe(200);
      expect(info.body.data).toMatchObject({ collection_name: 'sdk_kb', project: 'default' });
      // get_collection("", resource_id=...) in the SDK: an empty name is no name.
      const emptyName = await stack.post('/api/knowledge/collection/info', { name: '', project: 'default', resource_id: resourceId });
      expect(emptyName.body.data).toMatchObject({ collection_name: 'sdk_kb' });
      const search = await stack.post('/api/knowledge/collection/search_knowledge', {
        name: null,
        resource_id: resourceId,
        query: 'train ticket refund',
        project: 'default',
        limit: 3,
        dense_weight: 0.5,
        query_param: null,
        post_processing: null,
        pre_processing: null,
      });
      expect(search.status).toBe(200);
      expect(search.body.data.result_list[0].doc_info.doc_id).toBe('travel');
    });

    it('collection/update with nulls (the SDK\'s update_collection) changes the description and starts no model change', async () => {
      const reply = await stack.post('/api/knowledge/collection/update', { collection_name: 'sdk_kb', project: null, resource_id: null, description: 'travel and laptops', embedding_model: null });
      expect(reply.status).toBe(200);
      const info = await stack.post('/api/knowledge/collection/info', { collection_name: 'sdk_kb' });
      expect(info.body.data.description).toBe('travel and laptops');
      expect(info.body.data.embedding_migration ?? null).toBeNull();
    });

    it('a null for a required field is still refused, naming the field', async () => {
      const reply = await stack.post('/api/knowledge/doc/info', { collection_name: 'sdk_kb', doc_id: null });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 1000003, message: expect.stringMatching(/doc_id/) });
    });
  });

  describe('Viking: collection/create as the SDK sends it', () => {
    it.each(['doubao-embedding', 'doubao-embedding-large', 'doubao-embedding-and-m3', 'doubao-embedding-large-and-m3', 'bge-large-zh', 'bge-m3', 'bge-large-zh-and-m3', 'some-other-model'])(
      'accepts embedding_model %s, and collection/info reports the model actually used',
      async (model) => {
        const name = `sdk_${model.replace(/-/g, '_')}`;
        const created = await stack.post('/api/knowledge/collection/create', {
          name,
          description: 'from the SDK',
          project: 'default',
          version: 4,
          preprocessing: { chunking_strategy: 'custom_balance', chunk_length: 500, merge_small_chunks: true },
          data_type: 'unstructured_data',
          index: {
            index_type: 'hnsw_hybrid',
            index_config: { fields: [{ field_name: 'author', field_type: 'string', default_val: '' }], cpu_quota: 1, embedding_model: model, quant: 'int8' },
          },
        });
        expect(created.status).toBe(200);
        const info = await stack.post('/api/knowledge/collection/info', { name, project: 'default', resource_id: null });
        const indexConfig = info.body.data.pipeline_list[0].index_list[0].index_config;
        expect(indexConfig).toMatchObject({ embedding_model: stack.config.embedding.model, fields: [{ field_name: 'author', field_type: 'string' }], quant: 'int8' });
      },
    );

    it('accepts the older form {name, description, project, version: 2}', async () => {
      const created = await stack.post('/api/knowledge/collection/create', { name: 'sdk_v2', description: '', project: 'default', version: 2 });
      expect(created.status).toBe(200);
      const listed = await stack.post('/api/knowledge/collection/list', { project: null });
      const entry = listed.body.data.collection_list.find((c: { collection_name: string }) => c.collection_name === 'sdk_v2');
      expect(entry.pipeline_list[0].index_list[0].index_config.fields).toEqual([]);
    });

    it('refuses a name EMBEDDING_MODEL_MAP maps to a model this server does not embed with', async () => {
      const created = await stack.post('/api/knowledge/collection/create', { name: 'sdk_mapped', index: { index_config: { embedding_model: 'text-embedding-3-large' } } });
      expect(created.status).toBe(400);
      expect(created.body.message).toMatch(/maps to text-embedding-3-large in EMBEDDING_MODEL_MAP, which is not served here/);
    });
  });

  describe('Viking: chat/completions forwards thinking and sampling fields', () => {
    it('sends thinking, temperature, top_p and max_tokens to the model, and accepts model_version and api_key', async () => {
      const before = fake.chatRequests().length;
      const reply = await stack.post('/api/knowledge/chat/completions', {
        model: 'Doubao-1.5-thinking-pro',
        messages: [{ role: 'user', content: 'How are train tickets refunded?' }],
        return_token_usage: true,
        max_tokens: 1024,
        temperature: 0.3,
        top_p: 0.9,
        model_version: '250415',
        thinking: { type: 'enabled' },
        api_key: 'viking-model-key-not-for-fjord',
        stream: null,
      });
      expect(reply.status).toBe(200);
      expect(reply.body.data.generated_answer).toMatch(/^Echo:/);
      const sent = fake.chatRequests().slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ thinking: { type: 'enabled' }, temperature: 0.3, top_p: 0.9, max_tokens: 1024 });
      expect(JSON.stringify(sent[0])).not.toContain('viking-model-key-not-for-fjord');
    });

    it('refuses an unknown thinking type in the Viking envelope', async () => {
      const reply = await stack.post('/api/knowledge/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'x' }], thinking: { type: 'maybe' } });
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ code: 1000003, message: expect.stringMatching(/thinking\.type/) });
    });
  });

  describe('Ark context API: null means absent', () => {
    it('context.create with ttl and truncation_strategy null gets the defaults (the Ark SDK)', async () => {
      const reply = await call(stack, 'POST', '/api/v3/context/create', {
        model: 'Doubao-1.5-pro-32k',
        messages: [{ role: 'system', content: 'You are helpful.' }],
        mode: 'session',
        ttl: null,
        truncation_strategy: null,
      });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ mode: 'session', ttl: 86400, truncation_strategy: { type: 'last_history_tokens' } });
      const turn = await call(stack, 'POST', '/api/v3/context/chat/completions', {
        context_id: reply.body.id,
        model: 'Doubao-1.5-pro-32k',
        messages: [{ role: 'user', content: 'hello' }],
        stream: null,
        temperature: null,
        max_tokens: null,
        stop: null,
      });
      expect(turn.status).toBe(200);
      expect(turn.body.object).toBe('chat.completion');
    });
  });

  describe('Bot API and OpenAI door: null means absent', () => {
    it('bot create with null optional fields, and knowledge null still meaning "none"', async () => {
      const bot = await createBot(stack, { name: 'null bot', model: 'Doubao-1.5-pro-32k', description: null, system_prompt: null, parameters: null, knowledge: { collections: [{ name: 'sdk_kb', project: null }], limit: null } });
      expect(bot).toMatchObject({ description: '', system_prompt: '', parameters: {}, knowledge: { collections: [{ name: 'sdk_kb', project: 'default' }] } });
      const updated = await call(stack, 'PUT', `/api/v2/bots/${bot.id}`, { knowledge: null, description: null });
      expect(updated.body).toMatchObject({ knowledge: null, description: '' });

      const chat = await call(stack, 'POST', `/api/v2/bots/${bot.id}/chat`, { messages: [{ role: 'user', content: 'hi' }], stream: null, parameters: { temperature: null, max_new_tokens: null } });
      expect(chat.status).toBe(200);
      expect(chat.body.choices[0].message.content).toMatch(/^Echo:/);

      const openai = await call(stack, 'POST', '/v1/chat/completions', { model: bot.id, messages: [{ role: 'user', content: 'hi' }], temperature: null, stop: null, user: null, seed: null });
      expect(openai.status).toBe(200);
      expect(openai.body.object).toBe('chat.completion');

      const key = await call(stack, 'POST', GET_API_KEY, { DurationSeconds: 60, ResourceType: 'bot', ResourceIds: [bot.id], Extra: null });
      expect(key.status).toBe(200);
    });
  });
});
