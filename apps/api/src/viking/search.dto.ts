import { createZodDto } from 'nestjs-zod';
import { rerankSchema, searchKnowledgeSchema } from '@fjord/search';

export class SearchKnowledgeDto extends createZodDto(searchKnowledgeSchema) {}
export class RerankDto extends createZodDto(rerankSchema) {}
