import { Body, Controller, HttpCode, Post, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { DocumentService } from '@fjord/knowledge';
import { CountsAsUpload } from '@fjord/rate-limits';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { AddDocumentDto, DocRefDto, ListDocumentsDto, UpdateDocumentDto, UpdateDocumentMetaDto, UploadDocumentDto } from './viking.dto';
import { docInfo, docRef } from './viking.responses';

@ApiTags('Viking: documents')
@ApiBearerAuth()
@Controller('api/knowledge/doc')
@UseInterceptors(VikingEnvelopeInterceptor)
export class DocumentController {
  constructor(private readonly documents: DocumentService) {}

  @Post('add')
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
  @UseInterceptors(FileInterceptor('file'))
  async upload(@Body() body: UploadDocumentDto, @UploadedFile() file: Express.Multer.File | undefined) {
    const { collection, document } = await this.documents.upload(body, file);
    return docRef(collection, document);
  }

  @Post('info')
  @HttpCode(200)
  async info(@Body() body: DocRefDto) {
    const { collection, document } = await this.documents.info(body);
    return docInfo(collection, document);
  }

  @Post('retry')
  @HttpCode(200)
  async retry(@Body() body: DocRefDto) {
    const { collection, document } = await this.documents.retry(body);
    return docInfo(collection, document);
  }

  @Post('list')
  @HttpCode(200)
  async list(@Body() body: ListDocumentsDto) {
    const { collection, documents, total } = await this.documents.list(body);
    return { doc_list: documents.map((d) => docInfo(collection, d)), total_num: total };
  }

  @Post('delete')
  @HttpCode(200)
  async delete(@Body() body: DocRefDto) {
    await this.documents.delete(body);
  }

  @Post('update_meta')
  @HttpCode(200)
  async updateMeta(@Body() body: UpdateDocumentMetaDto) {
    await this.documents.updateMeta(body, body.meta);
  }

  @Post('update')
  @HttpCode(200)
  async update(@Body() body: UpdateDocumentDto) {
    await this.documents.rename(body, body.doc_name);
  }
}
