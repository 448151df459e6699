import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';

const description = z.string().max(200).optional().describe('a note to tell keys apart, e.g. who uses it');

export class MintKeyDto extends createZodDto(z.object({ description }).strict()) {}
export class KeyIdParamDto extends createZodDto(z.object({ id: z.string().min(1).max(128) })) {}
export class AccessKeyIdParamDto extends createZodDto(z.object({ access_key_id: z.string().min(1).max(128) })) {}
