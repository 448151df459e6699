import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { DocumentService } from '@fjord/knowledge';
import { CountsAsUpload } from '@fjord/rate-limits';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { AddDocumentDto, DocRefDto, DocStatusSummaryDto, ListDocumentsDto, UpdateDocumentDto, UpdateDocumentMetaDto, UploadDocumentDto } from './viking.dto';
import { docInfo, docRef, docStatusSummary } from './viking.responses';
import { ApiVikingOk } from '../http/api-docs';
import { docInfoSchema, docListSchema, docRefSchema, docStatusSummarySchema } from './viking-response.schemas';
import { UPLOAD_FORM_SCHEMA } from './upload-form.schema';

@ApiTags('Viking: documents')
@ApiBearerAuth()
@Controller('api/knowledge/doc')
@UseInterceptors(VikingEnvelopeInterceptor)
export class DocumentController {
  constructor(private readonly documents: DocumentService) {}

  @Post('add')
  @ApiVikingOk('Add a document from a URL or inline text (re-using a doc_id replaces it)', docRefSchema)
  @HttpCode(200)
  @CountsAsUpload()
  async add(@Body() body: AddDocumentDto) {
    const { collection, document } = await this.documents.add(body);
    return docRef(collection, document);
  }

  /** Multipart upload (ext): `file` plus the text fields of UploadDocumentDto. Size limit: MAX_UPLOAD_BYTES. */
  @Post('upload')
  @HttpCode(200)
  @CountsAsUpload()
  @ApiConsumes('multipart/form-data')
  @ApiVikingOk('Upload a document file (multipart, ext)', docRefSchema, 'The bytes are stored before the answer; processing continues in the background (watch doc/info).')
  @ApiBody({ schema: UPLOAD_FORM_SCHEMA })
  @UseInterceptors(FileInterceptor('file'))
  async upload(@Body() body: UploadDocumentDto, @UploadedFile() file: Express.Multer.File | undefined) {
    const { collection, document } = await this.documents.upload(body, file);
    return docRef(collection, document);
  }

  @Post('info')
  @ApiVikingOk('A document\'s status, progress and counts', docInfoSchema)
  @HttpCode(200)
  async info(@Body() body: DocRefDto) {
    const { collection, document } = await this.documents.info(body);
    return docInfo(collection, document);
  }

  @Post('retry')
  @ApiVikingOk('Process a failed document again from its stored bytes (ext)', docInfoSchema)
  @HttpCode(200)
  async retry(@Body() body: DocRefDto) {
    const { collection, document } = await this.documents.retry(body);
    return docInfo(collection, document);
  }

  @Post('list')
  @ApiVikingOk('List documents, a page at a time (limit at most 100)', docListSchema)
  @HttpCode(200)
  async list(@Body() body: ListDocumentsDto) {
    const { collection, documents, total } = await this.documents.list(body);
    return { doc_list: documents.map((d) => docInfo(collection, d)), total_num: total };
  }

  @Post('status_summary')
  @ApiVikingOk(
    'Documents by process_status and the latest failures, across collections (ext)',
    docStatusSummarySchema,
    'Counts every document of every collection (or of one project), in total and per collection, and lists the latest failed documents with their failed_code and failed_reason. Admin keys only, like the other knowledge operations.',
  )
  @HttpCode(200)
  async statusSummary(@Body() body: DocStatusSummaryDto) {
    return docStatusSummary(await this.documents.statusSummary(body));
  }

  @Post('delete')
  @ApiVikingOk('Delete a document and its points')
  @HttpCode(200)
  async delete(@Body() body: DocRefDto) {
    await this.documents.delete(body);
  }

  @Post('update_meta')
  @ApiVikingOk('Replace a document\'s meta values')
  @HttpCode(200)
  async updateMeta(@Body() body: UpdateDocumentMetaDto) {
    await this.documents.updateMeta(body, body.meta);
  }

  @Post('update')
  @ApiVikingOk('Rename a document')
  @HttpCode(200)
  async update(@Body() body: UpdateDocumentDto) {
    await this.documents.rename(body, body.doc_name);
  }
}
