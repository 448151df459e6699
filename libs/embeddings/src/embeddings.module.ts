import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { EmbeddingCacheRepository } from './embedding-cache.repository';
import { EMBEDDING_PROVIDER, EmbeddingProvider } from './embedding-provider';
import { EmbeddingService } from './embedding.service';
import { createEmbeddingProvider } from './create-embedding-provider';
import { OnnxEmbedder } from './onnx/onnx-embedder';

/** The provider, with a local model already loaded: a model that cannot load stops start-up with its reason. */
async function loadedEmbeddingProvider(config: AppConfig['embedding']): Promise<EmbeddingProvider> {
  const provider = createEmbeddingProvider(config);
  if (provider instanceof OnnxEmbedder) await provider.load();
  return provider;
}

/** The configured embedding provider (local hashing or OpenAI-compatible) behind a cache. */
@Module({
  providers: [
    { provide: EMBEDDING_PROVIDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => loadedEmbeddingProvider(config.embedding) },
    { provide: EmbeddingCacheRepository, inject: [DB], useFactory: (db: Db) => new EmbeddingCacheRepository(db) },
    {
      provide: EmbeddingService,
      inject: [EMBEDDING_PROVIDER, EmbeddingCacheRepository],
      useFactory: (provider: EmbeddingProvider, cache: EmbeddingCacheRepository) => new EmbeddingService(provider, cache),
    },
  ],
  exports: [EMBEDDING_PROVIDER, EmbeddingService],
})
export class EmbeddingsModule {}
