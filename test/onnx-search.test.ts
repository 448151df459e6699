import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyCrossEncoderDir, writeTinyEmbeddingModelDir } from './support/tiny-onnx-models';
import { TestStack, startTestStack, waitForDocument } from './support/test-stack';

/**
 * Meaning-based search with no server and no download: fjord embeds and reranks with local ONNX
 * models (EMBEDDING_MODEL_DIR, RERANK_MODEL_DIR) that this suite writes itself, and a paraphrase
 * that shares no word with its passage finds it through the HTTP API. The hashing embedder, asked
 * the same, cannot.
 */

const KB = '/api/knowledge';
const TARGET = 'Professor Ada leads the physics laboratory.';
// None of these has a word of the query below (or a synonym of one in the tiny vocabulary).
const DISTRACTORS = ['Bash manual page: shell commands.', 'Cafeteria serves lunch daily.', 'Storm and rain forecast.', 'Cats and kittens.', 'Dogs and puppies.'];
const PARAPHRASE = 'who runs the science lab';

async function seed(stack: TestStack, name: string, texts: string[]): Promise<void> {
  expect((await stack.post(`${KB}/collection/create`, { name })).status).toBe(200);
  for (const [i, text] of texts.entries()) {
    expect((await stack.post(`${KB}/doc/add`, { collection_name: name, add_type: 'text', doc_id: `d${i}`, doc_type: 'txt', content: text })).status).toBe(200);
  }
  for (const i of texts.keys()) expect((await waitForDocument(stack, { collection_name: name, doc_id: `d${i}` })).process_status).toBe(0);
}

const contents = (body: any): string[] => body.data.result_list.map((item: any) => item.content);

describe('local ONNX models through the HTTP API (embedded)', () => {
  let root: string;
  let stack: TestStack;
  let hashing: TestStack;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'fjord-onnx-search-'));
    writeTinyEmbeddingModelDir(join(root, 'tiny-embedder'), { layout: 'onnx-subdir' });
    writeTinyCrossEncoderDir(join(root, 'tiny-reranker'));
    stack = await startTestStack('embedded', {
      EMBEDDING_PROVIDER: 'onnx',
      EMBEDDING_MODEL_DIR: join(root, 'tiny-embedder'),
      RERANK_PROVIDER: 'onnx',
      RERANK_MODEL_DIR: join(root, 'tiny-reranker'),
      ONNX_THREADS: '1',
    });
    await seed(stack, 'lab', [TARGET, ...DISTRACTORS]);
    hashing = await startTestStack('embedded');
    await seed(hashing, 'lab', [TARGET, ...DISTRACTORS]);
    // Two embedded stacks, each migrating a fresh PGlite and loading its models: slow on a busy machine.
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await hashing?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('a paraphrase with none of the passage words finds it, and the response names the local model', async () => {
    const res = await stack.post(`${KB}/collection/search_knowledge`, { collection_name: 'lab', query: PARAPHRASE, limit: 3 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ embedding_model: 'tiny-embedder', embedding_matches: 'meaning' });
    expect(contents(res.body)[0]).toBe(TARGET);
    expect(res.body.data.result_list[0].score).toBeGreaterThan(res.body.data.result_list[1].score);
    const info = await stack.post(`${KB}/collection/info`, { collection_name: 'lab' });
    // The collection records the model and the dimension the model reported (10 concepts + [CLS]).
    expect(info.body.data.pipeline_list[0].index_list[0].index_config).toMatchObject({ embedding_model: 'tiny-embedder', embedding_dimension: 11 });
  });

  it('the hashing embedder, asked the same, names itself and does not put the passage first', async () => {
    const res = await hashing.post(`${KB}/collection/search_knowledge`, { collection_name: 'lab', query: PARAPHRASE, limit: 3 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ embedding_model: 'fjord-local-hash-v1', embedding_matches: 'words' });
    expect(contents(res.body)[0]).not.toBe(TARGET);
  });

  it('the ONNX cross-encoder reorders what retrieval found', async () => {
    await seed(stack, 'rerank', ['Lab.', 'Lab, laboratory, labs: physics, science, professor Ada.', 'Cats.']);
    const search = (rerank: boolean) =>
      stack.post(`${KB}/collection/search_knowledge`, {
        collection_name: 'rerank',
        query: 'lab',
        limit: 2,
        ...(rerank ? { post_processing: { rerank_switch: true, retrieve_count: 3 } } : {}),
      });
    const retrieved = await search(false);
    // Retrieval favours the short passage (BM25 length normalisation; the mean-pooled vector of "Lab." is the query's own).
    expect(contents(retrieved.body)).toEqual(['Lab.', 'Lab, laboratory, labs: physics, science, professor Ada.']);
    const reranked = await search(true);
    expect(reranked.status).toBe(200);
    // The cross-encoder sums what the passage says about labs: three lab words outscore one.
    expect(contents(reranked.body)).toEqual(['Lab, laboratory, labs: physics, science, professor Ada.', 'Lab.']);
    const [first, second] = reranked.body.data.result_list;
    expect(first.rerank_score).toBeGreaterThan(second.rerank_score);
    expect(first.rerank_position).toBe(1);
    expect(first.recall_position).toBe(2);
  });

  it('service/rerank scores pairs with the ONNX cross-encoder and reports its tokens', async () => {
    const res = await stack.post(`${KB}/service/rerank`, {
      datas: [
        { query: 'science lab', content: 'Professor Ada leads the physics laboratory.' },
        { query: 'science lab', content: 'Cats and kittens.' },
        { query: 'weather', content: 'storm', title: 'rain' },
      ],
    });
    expect(res.status).toBe(200);
    const { scores, token_usage } = res.body.data;
    expect(scores[0]).toBeGreaterThan(scores[1]);
    expect(scores[1]).toBeCloseTo(0.5, 6); // nothing in common: logit 0
    expect(scores[2]).toBeGreaterThan(0.8);
    expect(token_usage).toBeGreaterThan(10);
  });

  describe('start-up of the API process (dist/apps/api/src/main.js)', () => {
    const apiMain = join(__dirname, '..', 'dist/apps/api/src/main.js');
    /** Starts the built API with `env` and resolves with its exit code and stderr, or kills it after 90 s. */
    const run = (env: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const dataDir = mkdtempSync(join(root, 'data-'));
        const child = spawn(process.execPath, [apiMain], {
          env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'error', ADMIN_API_KEY: 'test-admin-key-0123456789', ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });

    it('a missing model file stops start-up with one line naming it', async () => {
      const noModel = join(root, 'no-model');
      writeTinyEmbeddingModelDir(noModel);
      rmSync(join(noModel, 'model.onnx'));
      const { code, stderr } = await run({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: noModel });
      expect(code).not.toBe(0);
      expect(stderr).toContain(`EMBEDDING_MODEL_DIR: ${noModel} has no model.onnx or onnx/model.onnx (`);
    });

    it('a model that cannot load stops start-up with the directory and the reason', async () => {
      const broken = join(root, 'broken-reranker');
      writeTinyCrossEncoderDir(broken);
      writeFileSync(join(broken, 'model.onnx'), 'not a model');
      const { code, stderr } = await run({ RERANK_PROVIDER: 'onnx', RERANK_MODEL_DIR: broken });
      expect(code).not.toBe(0);
      expect(stderr).toContain(`the ONNX model in ${broken} could not be loaded`);
    });
  });
});
