import type { AppConfig } from '@fjord/config';
import type { EmbeddingProvider } from './embedding-provider';
import { LocalHashEmbedder } from './local-hash-embedder';
import { OpenAiEmbedder } from './openai-embedder';

/** The provider `EMBEDDING_PROVIDER` selects: the offline hash embedder or an OpenAI-compatible API. */
export function createEmbeddingProvider(config: AppConfig['embedding']): EmbeddingProvider {
  switch (config.provider) {
    case 'local':
      return new LocalHashEmbedder(config.localDimension);
    case 'openai':
      return new OpenAiEmbedder(config);
  }
}
