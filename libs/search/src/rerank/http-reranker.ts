import { z } from 'zod';
import { DomainError, ErrorCode } from '@fjord/common';
import type { RerankPassage, Reranked, Reranker } from './reranker';

/**
 * The two response shapes of the common `/rerank` endpoints: Cohere, Jina and Xinference answer
 * `{results: [{index, relevance_score}]}`, Hugging Face TEI answers `[{index, score}]`.
 */
const rerankResponseSchema = z.union([
  z.object({
    results: z.array(z.object({ index: z.number().int().min(0), relevance_score: z.number() })),
    /** Jina and Xinference report tokens; Cohere bills in search units, which are not tokens. */
    usage: z.object({ total_tokens: z.number().int().min(0) }).partial().optional(),
  }),
  z.array(z.object({ index: z.number().int().min(0), score: z.number() })),
]);

export interface HttpRerankerOptions {
  baseUrl: string;
  apiKey?: string;
  model?: string;
  timeoutMs?: number;
}

/**
 * A rerank service over HTTP: `POST {baseUrl}/rerank` with `{model, query, documents, texts,
 * top_n, return_documents: false}` (documents for Cohere/Jina/Xinference, texts for TEI; each
 * ignores the other's field). Scores come back by index, so the order of the answer does not matter.
 */
export class HttpReranker implements Reranker {
  readonly name: string;

  constructor(private readonly options: HttpRerankerOptions) {
    this.name = options.model ?? 'http-rerank';
  }

  async score(query: string, passages: RerankPassage[], model?: string): Promise<Reranked> {
    if (passages.length === 0) return { scores: [] };
    const texts = passages.map((p) => (p.title ? `${p.title}\n${p.content}` : p.content));
    const url = `${this.options.baseUrl.replace(/\/+$/, '')}/rerank`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: model ?? this.options.model,
          query,
          documents: texts,
          texts,
          top_n: texts.length,
          return_documents: false,
        }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new DomainError(ErrorCode.UpstreamError, `rerank service ${url} unreachable: ${(error as Error).message}`, { cause: error });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new DomainError(ErrorCode.UpstreamError, `rerank service answered HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    const parsed = rerankResponseSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new DomainError(ErrorCode.UpstreamError, 'rerank service answered in an unknown shape');
    const pairs = Array.isArray(parsed.data)
      ? parsed.data.map((r) => ({ index: r.index, score: r.score }))
      : parsed.data.results.map((r) => ({ index: r.index, score: r.relevance_score }));
    const scores = new Array<number>(passages.length).fill(Number.NEGATIVE_INFINITY);
    for (const { index, score } of pairs) if (index < scores.length) scores[index] = score;
    if (scores.some((s) => s === Number.NEGATIVE_INFINITY)) {
      throw new DomainError(ErrorCode.UpstreamError, `rerank service scored ${pairs.length} of ${passages.length} passages`);
    }
    const tokens = Array.isArray(parsed.data) ? undefined : parsed.data.usage?.total_tokens;
    return { scores, ...(tokens === undefined ? {} : { tokens }) };
  }
}
