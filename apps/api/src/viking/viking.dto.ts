import { createZodDto } from 'nestjs-zod';
import {
  addDocumentSchema,
  addPointSchema,
  collectionIdentitySchema,
  createCollectionSchema,
  docRefSchema,
  docStatusSummarySchema,
  listCollectionsSchema,
  listDocumentsSchema,
  listPointsSchema,
  pointRefSchema,
  updateCollectionSchema,
  updateDocumentMetaSchema,
  updateDocumentSchema,
  updatePointSchema,
  uploadDocumentSchema,
} from '@fjord/knowledge';

/** Nest DTO classes over the zod contracts: one schema gives the type, the validation and the OpenAPI. */
export class CreateCollectionDto extends createZodDto(createCollectionSchema) {}
export class CollectionIdentityDto extends createZodDto(collectionIdentitySchema) {}
export class UpdateCollectionDto extends createZodDto(updateCollectionSchema) {}
export class ListCollectionsDto extends createZodDto(listCollectionsSchema) {}
export class AddDocumentDto extends createZodDto(addDocumentSchema) {}
export class UploadDocumentDto extends createZodDto(uploadDocumentSchema) {}
export class DocRefDto extends createZodDto(docRefSchema) {}
export class ListDocumentsDto extends createZodDto(listDocumentsSchema) {}
export class UpdateDocumentMetaDto extends createZodDto(updateDocumentMetaSchema) {}
export class UpdateDocumentDto extends createZodDto(updateDocumentSchema) {}
export class ListPointsDto extends createZodDto(listPointsSchema) {}
export class PointRefDto extends createZodDto(pointRefSchema) {}
export class AddPointDto extends createZodDto(addPointSchema) {}
export class UpdatePointDto extends createZodDto(updatePointSchema) {}
export class DocStatusSummaryDto extends createZodDto(docStatusSummarySchema) {}
