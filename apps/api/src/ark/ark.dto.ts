import { createZodDto } from 'nestjs-zod';
import { contextChatSchema, createContextSchema } from '@fjord/context-cache';

export class CreateContextDto extends createZodDto(createContextSchema) {}
export class ContextChatDto extends createZodDto(contextChatSchema) {}
