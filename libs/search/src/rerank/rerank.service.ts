import { Inject, Injectable } from '@nestjs/common';
import { countTokens } from '@fjord/text';
import type { RerankInput } from '../schemas/search.schema';
import { RERANKER, Reranker, RerankPassage } from './reranker';

@Injectable()
export class RerankService {
  constructor(@Inject(RERANKER) private readonly reranker: Reranker) {}

  get name(): string {
    return this.reranker.name;
  }

  /** Scores, and the call's tokens: as the rerank service reported them, else counted (rerankTokens). */
  async score(query: string, passages: RerankPassage[], model?: string): Promise<{ scores: number[]; tokens: number }> {
    const { scores, tokens } = await this.reranker.score(query, passages, model);
    return { scores, tokens: tokens ?? rerankTokens(query, passages) };
  }

  /**
   * service/rerank: each pair carries its own query, so pairs are grouped by query (one upstream
   * call per distinct query) and the scores put back in request order. token_usage adds up each
   * call's tokens (see score).
   */
  async rerankPairs(input: RerankInput): Promise<{ scores: number[]; tokenUsage: number }> {
    const byQuery = new Map<string, number[]>();
    input.datas.forEach((d, i) => byQuery.set(d.query, [...(byQuery.get(d.query) ?? []), i]));
    const scores = new Array<number>(input.datas.length);
    const tokens = await Promise.all(
      [...byQuery].map(async ([query, indexes]) => {
        const got = await this.score(
          query,
          indexes.map((i) => ({ content: input.datas[i].content, title: input.datas[i].title })),
          input.rerank_model,
        );
        indexes.forEach((index, j) => (scores[index] = got.scores[j]));
        return got.tokens;
      }),
    );
    return { scores, tokenUsage: tokens.reduce((sum, t) => sum + t, 0) };
  }
}

/** o200k tokens of the pairs as a rerank model would read them: the query, and each passage's title and content. */
export function rerankTokens(query: string, passages: RerankPassage[]): number {
  const queryTokens = countTokens(query);
  return passages.reduce((sum, p) => sum + queryTokens + countTokens(p.content) + (p.title ? countTokens(p.title) : 0), 0);
}
