import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CollectionService } from '@fjord/knowledge';
import { VikingEnvelopeInterceptor } from '../http/viking-envelope.interceptor';
import { CollectionIdentityDto, CreateCollectionDto, ListCollectionsDto, UpdateCollectionDto } from './viking.dto';
import { collectionInfo, collectionRef } from './viking.responses';
import { ApiVikingOk } from '../http/api-docs';
import { collectionInfoSchema, collectionListSchema, collectionRefSchema, collectionUpdateSchema } from './viking-response.schemas';

@ApiTags('Viking: collections')
@ApiBearerAuth()
@Controller('api/knowledge/collection')
@UseInterceptors(VikingEnvelopeInterceptor)
export class CollectionController {
  constructor(private readonly collections: CollectionService) {}

  @Post('create')
  @ApiVikingOk('Create a collection (chunking, declared meta fields, embedding model)', collectionRefSchema)
  @HttpCode(200)
  async create(@Body() body: CreateCollectionDto) {
    return collectionRef(await this.collections.create(body));
  }

  @Post('info')
  @ApiVikingOk('Describe a collection', collectionInfoSchema)
  @HttpCode(200)
  async info(@Body() body: CollectionIdentityDto) {
    return collectionInfo(await this.collections.describe(body));
  }

  @Post('list')
  @ApiVikingOk('List the collections of a project', collectionListSchema)
  @HttpCode(200)
  async list(@Body() body: ListCollectionsDto) {
    const list = (await this.collections.list(body.project)).map(collectionInfo);
    return { collection_list: list, total_num: list.length };
  }

  @Post('update')
  @ApiVikingOk(
    "Change a collection's description, or (ext) its embedding model without downtime",
    collectionUpdateSchema,
    'With `embedding_model` naming another served model, the collection is re-embedded in the background ' +
      '(progress in collection/info `embedding_migration`); searches use the current model until the new vectors ' +
      'are complete and indexed, then switch at once. Naming the current model cancels a running migration.',
  )
  @HttpCode(200)
  async update(@Body() body: UpdateCollectionDto) {
    const { embeddingMigration } = await this.collections.update(body);
    return embeddingMigration ? { embedding_migration: embeddingMigration } : null;
  }

  @Post('delete')
  @ApiVikingOk('Delete a collection with its documents and points')
  @HttpCode(200)
  async delete(@Body() body: CollectionIdentityDto) {
    await this.collections.delete(body);
  }
}
