import { createZodDto } from 'nestjs-zod';
import { legacySearchSchema, rerankSchema, searchKnowledgeSchema } from '@fjord/search';

export class SearchKnowledgeDto extends createZodDto(searchKnowledgeSchema) {}
/** collection/search: search_knowledge's body, plus the legacy top-level rerank fields. */
export class LegacySearchDto extends createZodDto(legacySearchSchema) {}
export class RerankDto extends createZodDto(rerankSchema) {}
