import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { KnowledgeModule } from '@fjord/knowledge/knowledge.module';
import { HttpReranker } from './rerank/http-reranker';
import { LocalReranker } from './rerank/local-reranker';
import { OnnxReranker } from './rerank/onnx-reranker';
import { RERANKER, Reranker } from './rerank/reranker';
import { RerankService } from './rerank/rerank.service';
import { SearchRepository } from './retrieval/search.repository';
import { SearchService } from './search.service';

/** RERANK_PROVIDER's reranker: the HTTP rerank service, a local ONNX cross-encoder, or the weightless proximity reranker. */
export function createReranker(config: AppConfig): Reranker {
  const { provider, baseUrl, apiKey, model, onnx } = config.rerank;
  if (provider === 'http' && baseUrl) return new HttpReranker({ baseUrl, apiKey, model });
  if (provider === 'onnx' && onnx) return new OnnxReranker(model ?? 'onnx-rerank', onnx);
  return new LocalReranker();
}

/** The reranker, with a local model already loaded: a model that cannot load stops start-up with its reason. */
async function loadedReranker(config: AppConfig): Promise<Reranker> {
  const reranker = createReranker(config);
  if (reranker instanceof OnnxReranker) await reranker.load();
  return reranker;
}

@Module({
  imports: [KnowledgeModule],
  providers: [
    SearchRepository,
    SearchService,
    RerankService,
    { provide: RERANKER, inject: [APP_CONFIG], useFactory: loadedReranker },
  ],
  exports: [SearchService, RerankService],
})
export class SearchModule {}
