import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RerankService, SearchService } from '@fjord/search';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { RerankDto, SearchKnowledgeDto } from './search.dto';
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

  /** The legacy name of search_knowledge: same request, same answer. */
  @Post('collection/search')
  @HttpCode(200)
  async search(@Body() body: SearchKnowledgeDto) {
    return searchResponse(await this.searches.search(body), body);
  }

  @Post('service/rerank')
  @HttpCode(200)
  async rerank(@Body() body: RerankDto) {
    return rerankResponse(await this.reranks.rerankPairs(body));
  }
}
