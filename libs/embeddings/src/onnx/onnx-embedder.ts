import type { AppConfig, OnnxEmbeddingSettings } from '@fjord/config';
import type { EmbeddingProvider, EmbeddingPurpose, QueryEmbedding } from '../embedding-provider';
import { OnnxModelThread } from './onnx-model-thread';

/**
 * A local embedding model (bge, e5, MiniLM, gte... exported to ONNX) run in-process on a worker
 * thread: no server and no download, only the files in EMBEDDING_MODEL_DIR. Queries get
 * EMBEDDING_QUERY_INSTRUCTION from the search side (as for a remote model); stored chunks get
 * EMBEDDING_PASSAGE_PREFIX here (e5 was trained with "query: " / "passage: ").
 */
export class OnnxEmbedder implements EmbeddingProvider {
  readonly model: string;
  /** A chunk costs milliseconds of CPU on a real model: cheaper to look up than to embed again. */
  readonly worthCaching = true;
  private readonly thread: OnnxModelThread;
  private readonly passagePrefix: string;

  constructor(config: Pick<AppConfig['embedding'], 'model' | 'batchSize'> & { onnx: OnnxEmbeddingSettings }) {
    this.model = config.model;
    this.passagePrefix = config.onnx.passagePrefix ?? '';
    this.thread = new OnnxModelThread({
      task: 'embed',
      files: config.onnx.files,
      batchSize: config.batchSize,
      maxTokens: config.onnx.maxTokens,
      threads: config.onnx.threads,
      pooling: config.onnx.pooling,
      normalize: config.onnx.normalize,
    });
  }

  /** Known once the model has loaded (see load). */
  get dimension(): number | undefined {
    return this.thread.info?.dimension;
  }

  /** Waits for the model to load, so a broken model stops start-up instead of the first upload. */
  async load(): Promise<void> {
    await this.thread.load();
  }

  async embed(texts: string[], purpose: EmbeddingPurpose): Promise<number[][]> {
    const input = purpose === 'document' && this.passagePrefix ? texts.map((t) => `${this.passagePrefix}${t}`) : texts;
    return (await this.thread.embed(input)).vectors;
  }

  async embedQuery(text: string): Promise<QueryEmbedding> {
    const { vectors, tokens } = await this.thread.embed([text]);
    return { vector: vectors[0], promptTokens: tokens };
  }

  async close(): Promise<void> {
    await this.thread.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }
}
