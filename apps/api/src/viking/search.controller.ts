import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RerankService, SearchService } from '@fjord/search';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { LegacySearchDto, RerankDto, SearchKnowledgeDto } from './search.dto';
import { rerankResponse, searchResponse } from './search.responses';

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
  @HttpCode(200)
  async searchKnowledge(@Body() body: SearchKnowledgeDto) {
    return searchResponse(await this.searches.search(body), body);
  }

  /** The legacy name of search_knowledge: same answer; the request may also carry the SDK's top-level rerank fields. */
  @Post('collection/search')
  @HttpCode(200)
  async search(@Body() body: LegacySearchDto) {
    return searchResponse(await this.searches.search(body), body);
  }

  @Post('service/rerank')
  @HttpCode(200)
  async rerank(@Body() body: RerankDto) {
    return rerankResponse(await this.reranks.rerankPairs(body));
  }
}
