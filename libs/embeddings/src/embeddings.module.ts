import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { EmbeddingCacheRepository } from './embedding-cache.repository';
import { EMBEDDING_PROVIDER, EmbeddingProvider } from './embedding-provider';
import { EmbeddingService } from './embedding.service';
import { createEmbeddingProvider } from './create-embedding-provider';

/** The configured embedding provider (local hashing or OpenAI-compatible) behind a cache. */
@Module({
  providers: [
    { provide: EMBEDDING_PROVIDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createEmbeddingProvider(config.embedding) },
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
