import { ArgumentMetadata, Injectable } from '@nestjs/common';
import { ZodValidationPipe } from 'nestjs-zod';
import type { z } from 'zod';
import { nullAsAbsent } from '@fjord/common';

/** The app's validation pipe: a `null` the schema gives no meaning is read as an absent field, then zod validates. */
@Injectable()
export class NullAsAbsentValidationPipe extends ZodValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const schema = (metadata.metatype as { schema?: z.ZodType } | undefined)?.schema;
    return super.transform(schema && metadata.type === 'body' ? nullAsAbsent(schema, value) : value, metadata);
  }
}
