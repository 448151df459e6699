/** Whether a text is stored (a chunk) or searched with (a query); some models embed them differently. */
export type EmbeddingPurpose = 'document' | 'query';

/**
 * Turns texts into vectors. Two implementations: the offline `LocalHashEmbedder` and the
 * OpenAI-compatible `OpenAiEmbedder`; pick one with `createEmbeddingProvider`.
 */
export interface EmbeddingProvider {
  /** The model name; also the cache namespace. */
  readonly model: string;
  /** Vector length; undefined for a remote model until its first response (unless configured). */
  readonly dimension: number | undefined;
  /**
   * Whether chunk vectors are worth storing in the embedding cache: yes for a remote model (a call
   * costs time and money, and a failed document keeps what it paid for); no for the local embedder,
   * whose ~0.15 ms a chunk is cheaper than the cache's lookup and write.
   */
  readonly worthCaching: boolean;
  /** One vector per text, in input order. */
  embed(texts: string[], purpose: EmbeddingPurpose): Promise<number[][]>;
  /** One query's vector, with the prompt tokens the model reported for it (when it reports any). */
  embedQuery(text: string): Promise<QueryEmbedding>;
}

export interface QueryEmbedding {
  vector: number[];
  /** As the upstream reported them; undefined when it did not (or no upstream was asked). */
  promptTokens?: number;
}

/** Injection token for the configured EmbeddingProvider. */
export const EMBEDDING_PROVIDER = Symbol('EMBEDDING_PROVIDER');
