import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { EmbeddingCacheRepository } from './embedding-cache.repository';
import { EMBEDDING_PROVIDER, EmbeddingProvider } from './embedding-provider';
import { EmbeddingService } from './embedding.service';
import { createEmbeddingProvider } from './create-embedding-provider';
import { EmbeddingModels } from './embedding-models';
import { OnnxEmbedder } from './onnx/onnx-embedder';

/** The provider, with a local model already loaded: a model that cannot load stops start-up with its reason. */
async function loadedEmbeddingProvider(config: AppConfig['embedding']): Promise<EmbeddingProvider> {
  const provider = createEmbeddingProvider(config);
  if (provider instanceof OnnxEmbedder) await provider.load();
  return provider;
}

/** The configured embedding provider (local hashing or OpenAI-compatible) behind a cache, and every other served model. */
@Module({
  providers: [
    { provide: EMBEDDING_PROVIDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => loadedEmbeddingProvider(config.embedding) },
    { provide: EmbeddingCacheRepository, inject: [DB], useFactory: (db: Db) => new EmbeddingCacheRepository(db) },
    {
      provide: EmbeddingService,
      inject: [EMBEDDING_PROVIDER, EmbeddingCacheRepository],
      useFactory: (provider: EmbeddingProvider, cache: EmbeddingCacheRepository) => new EmbeddingService(provider, cache),
    },
    {
      provide: EmbeddingModels,
      inject: [APP_CONFIG, EmbeddingService, EmbeddingCacheRepository],
      useFactory: (config: AppConfig, service: EmbeddingService, cache: EmbeddingCacheRepository) => new EmbeddingModels(config.embedding, service, cache),
    },
  ],
  exports: [EMBEDDING_PROVIDER, EmbeddingService, EmbeddingModels],
})
export class EmbeddingsModule {}
