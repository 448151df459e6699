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

  score(query: string, passages: RerankPassage[], model?: string): Promise<number[]> {
    return this.reranker.score(query, passages, model);
  }

  /**
   * service/rerank: each pair carries its own query, so pairs are grouped by query (one upstream
   * call per distinct query) and the scores put back in request order. token_usage counts the
   * query, title and content of every pair (o200k), as the pairs would be sent to a model.
   */
  async rerankPairs(input: RerankInput): Promise<{ scores: number[]; tokenUsage: number }> {
    const byQuery = new Map<string, number[]>();
    input.datas.forEach((d, i) => byQuery.set(d.query, [...(byQuery.get(d.query) ?? []), i]));
    const scores = new Array<number>(input.datas.length);
    await Promise.all(
      [...byQuery].map(async ([query, indexes]) => {
        const got = await this.reranker.score(
          query,
          indexes.map((i) => ({ content: input.datas[i].content, title: input.datas[i].title })),
          input.rerank_model,
        );
        indexes.forEach((index, j) => (scores[index] = got[j]));
      }),
    );
    const tokenUsage = input.datas.reduce((sum, d) => sum + countTokens(d.query) + countTokens(d.content) + (d.title ? countTokens(d.title) : 0), 0);
    return { scores, tokenUsage };
  }
}
