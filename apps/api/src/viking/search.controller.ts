import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RerankService, SearchService } from '@fjord/search';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { LegacySearchDto, RerankDto, SearchKnowledgeDto } from './search.dto';
import { rerankResponse, searchResponse } from './search.responses';
import { ApiVikingOk } from '../http/api-docs';
import { rerankResponseSchema, searchResponseSchema } from './viking-response.schemas';

@ApiTags('Viking: search')
@ApiBearerAuth()
@Controller('api/knowledge')
@UseInterceptors(VikingEnvelopeInterceptor)
export class SearchController {
  constructor(
    private readonly searches: SearchService,
    private readonly reranks: RerankService,
  ) {}

  @Post('collection/search_knowledge')
  @ApiVikingOk('Hybrid search (dense + BM25, optional rerank); debug: true shows each signal\'s rank and score', searchResponseSchema)
  @HttpCode(200)
  async searchKnowledge(@Body() body: SearchKnowledgeDto) {
    return searchResponse(await this.searches.search(body), body);
  }

  /** The legacy name of search_knowledge: same answer; the request may also carry the SDK's top-level rerank fields. */
  @Post('collection/search')
  @ApiVikingOk('Legacy name of search_knowledge (also takes the SDK\'s top-level rerank fields)', searchResponseSchema)
  @HttpCode(200)
  async search(@Body() body: LegacySearchDto) {
    return searchResponse(await this.searches.search(body), body);
  }

  @Post('service/rerank')
  @ApiVikingOk('Score query/passage pairs with the reranker', rerankResponseSchema)
  @HttpCode(200)
  async rerank(@Body() body: RerankDto) {
    return rerankResponse(await this.reranks.rerankPairs(body));
  }
}
