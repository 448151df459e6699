/** A passage to score against a query. */
export interface RerankPassage {
  content: string;
  title?: string;
}

/**
 * Scores passages against one query, higher = more relevant, one score per passage in input order.
 * Two implementations: the weightless `LocalReranker` (default) and `HttpReranker` for a `/rerank`
 * service (RERANK_BASE_URL).
 */
export interface Reranker {
  readonly name: string;
  score(query: string, passages: RerankPassage[], model?: string): Promise<Reranked>;
}

export interface Reranked {
  /** One per passage, in input order. */
  scores: number[];
  /** Tokens the rerank service reported for the call; undefined when it reported none. */
  tokens?: number;
}

export const RERANKER = Symbol('RERANKER');
