import type { AppConfig } from '@fjord/config';
import type { EmbeddingProvider } from './embedding-provider';
import { LocalHashEmbedder } from './local-hash-embedder';
import { OnnxEmbedder } from './onnx/onnx-embedder';
import { OpenAiEmbedder } from './openai-embedder';

/** The provider `EMBEDDING_PROVIDER` selects: the offline hash embedder, an OpenAI-compatible API or a local ONNX model. */
export function createEmbeddingProvider(config: AppConfig['embedding']): EmbeddingProvider {
  switch (config.provider) {
    case 'local':
      return new LocalHashEmbedder(config.localDimension);
    case 'openai':
      return new OpenAiEmbedder(config);
    case 'onnx':
      if (!config.onnx) throw new Error('EMBEDDING_PROVIDER=onnx needs EMBEDDING_MODEL_DIR');
      return new OnnxEmbedder({ ...config, onnx: config.onnx });
  }
}
