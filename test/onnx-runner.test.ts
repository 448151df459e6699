import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, locateOnnxModelFiles, OnnxModelFiles } from '@fjord/config';
import { OnnxEmbedder, OnnxModelThread } from '@fjord/embeddings';
import { OnnxReranker } from '@fjord/search/rerank/onnx-reranker';
import { writeTinyCrossEncoderDir, writeTinyEmbeddingModelDir } from './support/tiny-onnx-models';

/**
 * The local ONNX runner on models this suite writes itself (see tiny-onnx-models.ts): real
 * onnxruntime sessions and a real WordPiece tokenizer on a worker thread, no download.
 */

const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i], 0) / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));

function filesOf(dir: string): OnnxModelFiles {
  const located = locateOnnxModelFiles(dir, 'EMBEDDING_MODEL_DIR');
  if (typeof located === 'string') throw new Error(located);
  return located;
}

describe('local ONNX runner', () => {
  let root: string;
  const opened: Array<{ close(): Promise<void> }> = [];
  const embedder = (dir: string, settings: Partial<ConstructorParameters<typeof OnnxEmbedder>[0]['onnx']> = {}, batchSize = 8) => {
    const created = new OnnxEmbedder({ model: 'tiny', batchSize, onnx: { files: filesOf(dir), normalize: true, threads: 1, ...settings } });
    opened.push(created);
    return created;
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'fjord-onnx-'));
  });
  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close()));
    rmSync(root, { recursive: true, force: true });
  });

  describe('embedding', () => {
    let dir: string;
    let tiny: OnnxEmbedder;
    beforeAll(async () => {
      dir = join(root, 'embedder');
      writeTinyEmbeddingModelDir(dir, { layout: 'onnx-subdir' });
      tiny = embedder(dir);
      await tiny.load();
    });

    it('reads onnx/model.onnx and learns the dimension from the model', () => {
      expect(filesOf(dir).modelFile).toBe(join(dir, 'onnx', 'model.onnx'));
      // One axis per concept of the tiny vocabulary plus the [CLS] axis.
      expect(tiny.dimension).toBe(11);
    });

    it('embeds texts that share words (or synonyms) closer than unrelated ones, as unit vectors', async () => {
      const [lab, paraphrase, sharesWords, shell] = await tiny.embed(
        ['Professor Ada leads the physics laboratory', 'who runs the science lab', 'the physics laboratory', 'bash manual page for shell commands'],
        'document',
      );
      for (const v of [lab, paraphrase, sharesWords, shell]) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      expect(cosine(lab, sharesWords)).toBeGreaterThan(cosine(lab, shell) + 0.3);
      expect(cosine(lab, paraphrase)).toBeGreaterThan(cosine(lab, shell) + 0.3);
      expect(cosine(paraphrase, shell)).toBeLessThan(0.2);
    });

    it('gives the same vectors batched (padded to the longest text) as one by one', async () => {
      const texts = ['cat', 'the dog and the puppy run every day in the rain', 'weather forecast', 'lunch', 'bash terminal commands for the shell manual page', 'kitten'];
      const batched = await embedder(dir, {}, 4).embed(texts, 'document');
      const single: number[][] = [];
      for (const text of texts) single.push((await tiny.embed([text], 'document'))[0]);
      batched.forEach((vector, i) => vector.forEach((value, d) => expect(value).toBeCloseTo(single[i][d], 6)));
    });

    it('reports the model tokens of a query, special tokens included', async () => {
      const query = await tiny.embedQuery('physics lab');
      expect(query.promptTokens).toBe(4); // [CLS] physics lab [SEP]
      expect(query.vector).toHaveLength(11);
    });

    it('puts EMBEDDING_PASSAGE_PREFIX before stored chunks only', async () => {
      const prefixed = embedder(dir, { passagePrefix: 'passage: cat ' });
      const [document] = await prefixed.embed(['dog'], 'document');
      const [plain] = await tiny.embed(['passage: cat dog'], 'document');
      document.forEach((value, d) => expect(value).toBeCloseTo(plain[d], 6));
      const query = await prefixed.embedQuery('dog');
      const [dog] = await tiny.embed(['dog'], 'document');
      query.vector.forEach((value, d) => expect(value).toBeCloseTo(dog[d], 6));
    });

    it('pools with the CLS token when 1_Pooling/config.json says so, and EMBEDDING_POOLING overrides it', async () => {
      const clsDir = join(root, 'cls');
      const vocabulary = writeTinyEmbeddingModelDir(clsDir, { pooling: 'cls' });
      const cls = embedder(clsDir);
      const [a, b] = await cls.embed(['cat', 'weather forecast'], 'document');
      // Every text starts with [CLS], whose row is its own axis: CLS pooling gives that axis alone.
      const axis = Array.from({ length: vocabulary.dimension }, (_, d) => (d === vocabulary.clsAxis ? 1 : 0));
      expect(a).toEqual(axis);
      expect(b).toEqual(axis);
      const mean = embedder(clsDir, { pooling: 'mean' });
      const [cat, weather] = await mean.embed(['cat', 'weather forecast'], 'document');
      expect(cosine(cat, weather)).toBeLessThan(0.5);
    });

    it('cuts a text to the token limit, keeping the closing [SEP]', async () => {
      const limited = embedder(dir, { maxTokens: 4 });
      const [cut] = await limited.embed(['cat cat dog dog dog dog'], 'document');
      const [first] = await tiny.embed(['cat cat'], 'document');
      cut.forEach((value, d) => expect(value).toBeCloseTo(first[d], 6));
      expect((await limited.embedQuery('cat cat dog dog dog dog')).promptTokens).toBe(4);
    });

    it('raw vectors when EMBEDDING_NORMALIZE=false', async () => {
      const raw = embedder(dir, { normalize: false });
      const [vector] = await raw.embed(['cat kitten'], 'document');
      // mean over [CLS] cat kitten [SEP]: the cat axis holds 2 of 4 tokens, [CLS]'s axis 1 of 4.
      expect(Math.max(...vector)).toBeCloseTo(0.5, 6);
      expect(Math.hypot(...vector)).not.toBeCloseTo(1, 2);
    });
  });

  describe('failures', () => {
    it('a file that is not an ONNX model fails loading with the directory and the reason', async () => {
      const dir = join(root, 'broken');
      writeTinyEmbeddingModelDir(dir);
      writeFileSync(join(dir, 'model.onnx'), 'not a model');
      await expect(embedder(dir).load()).rejects.toThrow(new RegExp(`the ONNX model in ${dir} could not be loaded`));
    });

    it('a model whose inputs fjord cannot feed is refused by name', async () => {
      const dir = join(root, 'odd-inputs');
      writeTinyEmbeddingModelDir(dir, { extraInput: 'pixel_values' });
      await expect(embedder(dir).load()).rejects.toThrow(/the model takes an input fjord cannot feed: pixel_values/);
    });

    it('a closed runner refuses requests', async () => {
      const dir = join(root, 'closed');
      writeTinyEmbeddingModelDir(dir);
      const thread = new OnnxModelThread({ task: 'embed', files: filesOf(dir), batchSize: 2 });
      opened.push(thread);
      await expect(thread.load()).resolves.toMatchObject({ inputNames: ['input_ids', 'attention_mask'] });
      await thread.close();
      await expect(thread.embed(['cat'])).rejects.toThrow(/closed/);
    });
  });

  describe('configuration', () => {
    it('EMBEDDING_PROVIDER=onnx needs EMBEDDING_MODEL_DIR, and the dir its model and tokenizer, each named in one line', () => {
      expect(() => loadConfig({ EMBEDDING_PROVIDER: 'onnx' })).toThrow(/EMBEDDING_MODEL_DIR: required when EMBEDDING_PROVIDER=onnx/);
      const missing = join(root, 'nowhere');
      expect(() => loadConfig({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: missing })).toThrow(`EMBEDDING_MODEL_DIR: ${missing} is not a directory`);
      const empty = mkdtempSync(join(root, 'empty-'));
      expect(() => loadConfig({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: empty })).toThrow(
        `EMBEDDING_MODEL_DIR: ${empty} has no model.onnx or onnx/model.onnx and no tokenizer.json`,
      );
      const noTokenizer = join(root, 'no-tokenizer');
      writeTinyEmbeddingModelDir(noTokenizer);
      rmSync(join(noTokenizer, 'tokenizer.json'));
      expect(() => loadConfig({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: noTokenizer })).toThrow(/EMBEDDING_MODEL_DIR: .* has no tokenizer\.json \(/);
      expect(() => loadConfig({ RERANK_PROVIDER: 'onnx', RERANK_MODEL_DIR: empty })).toThrow(/RERANK_MODEL_DIR: .* has no model\.onnx or onnx\/model\.onnx/);
      expect(() => loadConfig({ RERANK_PROVIDER: 'onnx' })).toThrow(/RERANK_MODEL_DIR: required when RERANK_PROVIDER=onnx/);
      expect(() => loadConfig({ EMBEDDING_PASSAGE_PREFIX: 'passage: ' })).toThrow(/EMBEDDING_PASSAGE_PREFIX: only for EMBEDDING_PROVIDER=onnx/);
      expect(() => loadConfig({ EMBEDDING_POOLING: 'max' })).toThrow(/EMBEDDING_POOLING/);
    });

    it('names the model after its directory unless EMBEDDING_MODEL says otherwise', () => {
      const dir = join(root, 'bge-tiny-v1');
      writeTinyEmbeddingModelDir(dir);
      const config = loadConfig({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: dir, EMBEDDING_QUERY_INSTRUCTION: 'query: ', EMBEDDING_PASSAGE_PREFIX: 'passage: ' });
      expect(config.embedding.model).toBe('bge-tiny-v1');
      expect(config.embedding.onnx).toMatchObject({ normalize: true, passagePrefix: 'passage: ', files: { dir, tokenizerFile: join(dir, 'tokenizer.json') } });
      expect(config.embedding.queryInstruction).toBe('query: ');
      expect(loadConfig({ EMBEDDING_PROVIDER: 'onnx', EMBEDDING_MODEL_DIR: dir, EMBEDDING_MODEL: 'my-bge' }).embedding.model).toBe('my-bge');
      expect(loadConfig({ RERANK_PROVIDER: 'onnx', RERANK_MODEL_DIR: dir }).rerank).toMatchObject({ provider: 'onnx', model: 'bge-tiny-v1' });
    });
  });

  describe('cross-encoder', () => {
    let reranker: OnnxReranker;
    beforeAll(async () => {
      const dir = join(root, 'reranker');
      writeTinyCrossEncoderDir(dir);
      reranker = new OnnxReranker('tiny-reranker', { files: filesOf(dir), threads: 1 });
      opened.push({ close: () => reranker.onModuleDestroy() });
      await reranker.load();
    });

    it('scores each passage against the query read as a pair, in input order, in (0, 1)', async () => {
      const passages = [{ content: 'bash manual page' }, { content: 'the cafeteria serves lunch' }, { content: 'Professor Ada leads the physics laboratory' }, { content: 'the lab', title: 'physics' }];
      const { scores, tokens } = await reranker.score('who runs the science lab', passages);
      expect(scores).toHaveLength(4);
      for (const s of scores) expect(s).toBeGreaterThan(0), expect(s).toBeLessThan(1);
      // No shared concept: logit 0, sigmoid 0.5; the lab passages share concepts with the query.
      expect(scores[0]).toBeCloseTo(0.5, 6);
      expect(scores[1]).toBeCloseTo(0.5, 6);
      expect(scores[2]).toBeGreaterThan(scores[3]);
      expect(scores[3]).toBeGreaterThan(0.8);
      expect(tokens).toBeGreaterThan(0);
    });

    it('query and passage are told apart: the same words on the query side score nothing', async () => {
      const { scores } = await reranker.score('lab', [{ content: 'lab' }, { content: 'cat' }]);
      expect(scores[0]).toBeGreaterThan(scores[1]);
      const { scores: empty } = await reranker.score('weather', [{ content: 'lab lab lab' }]);
      expect(empty[0]).toBeCloseTo(0.5, 6);
    });
  });
});
