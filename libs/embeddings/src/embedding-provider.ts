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
  /** One vector per text, in input order. */
  embed(texts: string[], purpose: EmbeddingPurpose): Promise<number[][]>;
}

/** Injection token for the configured EmbeddingProvider. */
export const EMBEDDING_PROVIDER = Symbol('EMBEDDING_PROVIDER');
