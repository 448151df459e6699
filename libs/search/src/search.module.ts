import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { HttpReranker } from './rerank/http-reranker';
import { LocalReranker } from './rerank/local-reranker';
import { RERANKER, Reranker } from './rerank/reranker';
import { RerankService } from './rerank/rerank.service';
import { SearchRepository } from './retrieval/search.repository';
import { SearchService } from './search.service';

/** RERANK_BASE_URL selects the HTTP rerank service; without it the local proximity reranker. */
export function createReranker(config: AppConfig): Reranker {
  const { baseUrl, apiKey, model } = config.rerank;
  return baseUrl ? new HttpReranker({ baseUrl, apiKey, model }) : new LocalReranker();
}

@Module({
  imports: [KnowledgeModule],
  providers: [
    SearchRepository,
    SearchService,
    RerankService,
    { provide: RERANKER, inject: [APP_CONFIG], useFactory: createReranker },
  ],
  exports: [SearchService, RerankService],
})
export class SearchModule {}
