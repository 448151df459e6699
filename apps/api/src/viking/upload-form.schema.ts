import { uploadDocumentSchema } from '@fjord/knowledge';
import { openApiSchema } from '../http/api-docs';

const fields = openApiSchema(uploadDocumentSchema, 'input') as { properties: Record<string, unknown>; required?: string[] };

/** doc/upload's multipart form: the text fields of uploadDocumentSchema plus the file itself. */
export const UPLOAD_FORM_SCHEMA = {
  type: 'object',
  required: ['file', ...(fields.required ?? [])],
  properties: {
    file: { type: 'string', format: 'binary', description: 'the document (md, txt, pdf, docx, html, csv, json); at most MAX_UPLOAD_BYTES' },
    ...fields.properties,
  },
};
