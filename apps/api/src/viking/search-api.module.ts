import { Module } from '@nestjs/common';
import { SearchModule } from '@fjord/search/search.module';
import { SearchController } from './search.controller';

/** Viking search endpoints: collection/search_knowledge, collection/search, service/rerank. */
@Module({ imports: [SearchModule], controllers: [SearchController] })
export class SearchApiModule {}
