import { LOCAL_EMBEDDING_MODEL, loadConfig } from '@fjord/config';
import { DomainError } from '@fjord/common';
import { EmbeddingModels } from './embedding-models';
import { EmbeddingService, type EmbeddingCache } from './embedding.service';
import { LocalHashEmbedder } from './local-hash-embedder';

const noCache: EmbeddingCache = { getMany: async () => new Map(), putMany: async () => undefined };

function modelsFor(env: Record<string, string>): EmbeddingModels {
  const config = loadConfig({ NODE_ENV: 'test', ...env }).embedding;
  return new EmbeddingModels(config, new EmbeddingService(new LocalHashEmbedder(config.localDimension), noCache), noCache);
}

describe('EmbeddingModels', () => {
  it('serves the local embedder always, and mapped upstream models only with an upstream', () => {
    const local = modelsFor({ EMBEDDING_MODEL_MAP: JSON.stringify({ 'bge-m3': 'BAAI/bge-m3' }) });
    expect(local.resolve(LOCAL_EMBEDDING_MODEL)).toBe(LOCAL_EMBEDDING_MODEL);
    expect(local.resolve('bge-m3')).toBeUndefined();
    expect(local.servedModels()).toEqual([LOCAL_EMBEDDING_MODEL]);

    const upstream = modelsFor({ EMBEDDING_PROVIDER: 'local', EMBEDDING_BASE_URL: 'http://127.0.0.1:9/v1', EMBEDDING_MODEL_MAP: JSON.stringify({ 'bge-m3': 'BAAI/bge-m3' }) });
    expect(upstream.resolve('bge-m3')).toBe('BAAI/bge-m3');
    expect(upstream.resolve('BAAI/bge-m3')).toBe('BAAI/bge-m3');
    expect(upstream.resolve('text-embedding-3-large')).toBeUndefined();
    expect(upstream.servedModels()).toEqual([LOCAL_EMBEDDING_MODEL, 'BAAI/bge-m3']);
  });

  it('gives one service per model, with the configured local dimension, and refuses a model not served', () => {
    const models = modelsFor({ LOCAL_EMBEDDING_DIMENSION: '64', EMBEDDING_BASE_URL: 'http://127.0.0.1:9/v1', EMBEDDING_MODEL: 'default-remote', EMBEDDING_MODEL_MAP: JSON.stringify({ m: 'other-remote' }) });
    expect(models.service(models.defaultModel)).toBe(models.defaultService);
    const local = models.service(LOCAL_EMBEDDING_MODEL);
    expect(local.dimension).toBe(64);
    expect(models.service(LOCAL_EMBEDDING_MODEL)).toBe(local);
    expect(models.service('other-remote').model).toBe('other-remote');
    expect(() => models.service('unknown')).toThrow(DomainError);
    expect(() => models.service('unknown')).toThrow(/embedding model unknown is not served here/);
  });
});
