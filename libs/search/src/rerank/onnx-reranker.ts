import type { OnnxModelSettings } from '@fjord/config';
import { OnnxModelThread } from '@fjord/embeddings';
import type { RerankPassage, Reranked, Reranker } from './reranker';

/** Pairs per inference call: a rerank call scores a few dozen candidates at most. */
const RERANK_BATCH_SIZE = 16;

/**
 * A local cross-encoder (bge-reranker, ms-marco MiniLM... exported to ONNX) run in-process on a
 * worker thread from RERANK_MODEL_DIR: it reads query and passage together, as
 * `[CLS] query [SEP] passage [SEP]`, and scores relevance in (0, 1) (sigmoid of its logit). The
 * tokens it reports are the model's own.
 */
export class OnnxReranker implements Reranker {
  private readonly thread: OnnxModelThread;

  constructor(
    readonly name: string,
    settings: OnnxModelSettings,
  ) {
    this.thread = new OnnxModelThread({ task: 'cross-encode', files: settings.files, batchSize: RERANK_BATCH_SIZE, maxTokens: settings.maxTokens, threads: settings.threads });
  }

  /** Waits for the model to load, so a broken model stops start-up instead of the first search. */
  async load(): Promise<void> {
    await this.thread.load();
  }

  async score(query: string, passages: RerankPassage[]): Promise<Reranked> {
    const { scores, tokens } = await this.thread.score(
      query,
      passages.map((p) => (p.title ? `${p.title}\n${p.content}` : p.content)),
    );
    return { scores, tokens };
  }

  async onModuleDestroy(): Promise<void> {
    await this.thread.close();
  }
}
