export * from './embedding-provider';
export * from './create-embedding-provider';
export * from './local-hash-embedder';
export * from './openai-embedder';
export * from './embedding-cache.repository';
export * from './embedding.service';
export * from './embedding-models';
export * from './onnx';
