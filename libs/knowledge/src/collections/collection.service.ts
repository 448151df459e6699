import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@fjord/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { EMBEDDING_PROVIDER, EmbeddingProvider } from '@fjord/embeddings';
import { CollectionRefInput, identityOf } from '../schemas/common.schema';
import { CreateCollectionInput, UpdateCollectionInput } from '../schemas/collection.schema';
import { VectorIndexRepository } from '../vector-index/vector-index.repository';
import { CollectionRecord, CollectionRepository, CollectionSummary } from './collection.repository';
import { EmbeddingMigrationService, MigrationRequestOutcome } from '../embedding-migration/embedding-migration.service';

@Injectable()
export class CollectionService {
  constructor(
    private readonly collections: CollectionRepository,
    private readonly vectorIndexes: VectorIndexRepository,
    @Inject(EMBEDDING_PROVIDER) private readonly embedder: EmbeddingProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly migrations: EmbeddingMigrationService,
  ) {}

  async create(input: CreateCollectionInput): Promise<CollectionRecord> {
    const config = input.index.index_config;
    this.assertEmbeddingModelServed(config.embedding_model);
    const dimension = await this.embeddingDimension();
    if (config.embedding_dimension !== undefined && config.embedding_dimension !== dimension) {
      throw DomainError.invalid(
        `embedding_dimension ${config.embedding_dimension} does not match ${this.embedder.model}, which returns ${dimension}`,
        'index.index_config.embedding_dimension',
      );
    }
    const created = await this.collections.insert({
      resourceId: `kb-${randomBytes(8).toString('hex')}`,
      project: input.project,
      name: input.name,
      description: input.description,
      dataType: input.data_type,
      preprocessing: input.preprocessing,
      indexType: input.index.index_type,
      fields: config.fields,
      embeddingModel: this.embedder.model,
      embeddingDimension: dimension,
      quant: config.quant ?? null,
    });
    if (!created) {
      throw new DomainError(ErrorCode.CollectionExists, `collection ${input.name} already exists in project ${input.project}`);
    }
    await this.vectorIndexes.init(created.id);
    return created;
  }

  /**
   * Any embedding-model name is accepted (Viking's doubao-embedding-and-m3, bge-m3, ...) and served by the
   * configured embedder; collection/info reports the model actually used. Only a name EMBEDDING_MODEL_MAP
   * maps to some other model is refused: that model is not served here.
   */
  private assertEmbeddingModelServed(requested: string | undefined): void {
    const mapped = requested === undefined ? undefined : this.config.embedding.modelMap?.[requested];
    if (mapped !== undefined && mapped !== this.embedder.model) {
      throw DomainError.invalid(
        `embedding_model ${requested} maps to ${mapped} in EMBEDDING_MODEL_MAP, which is not served here; this server embeds with ${this.embedder.model}`,
        'index.index_config.embedding_model',
      );
    }
  }

  /** Finds the collection a request names, or throws 1000005 (or 1000003 when it names none). */
  async resolve(ref: CollectionRefInput): Promise<CollectionRecord> {
    const identity = identityOf(ref);
    if (!identity) throw new DomainError(ErrorCode.MissingParameter, 'name the collection with resource_id, or name/collection_name (+ project)', { param: 'collection_name' });
    const found =
      'resourceId' in identity
        ? await this.collections.findByResourceId(identity.resourceId)
        : await this.collections.findByName(identity.project, identity.name);
    if (!found) {
      const label = 'resourceId' in identity ? `resource_id ${identity.resourceId}` : `${identity.name} in project ${identity.project}`;
      throw new DomainError(ErrorCode.CollectionNotFound, `collection ${label} does not exist`);
    }
    return found;
  }

  /** resolve() plus the document and point counts (collection/info). */
  async describe(ref: CollectionRefInput): Promise<CollectionSummary> {
    const resolved = await this.resolve(ref);
    const migration = (await this.migrations.latest([resolved.id])).get(resolved.id);
    // Read again after the migration, so a migration reported done always comes with the switched model.
    const collection = migration ? ((await this.collections.findById(resolved.id)) ?? resolved) : resolved;
    return {
      ...collection,
      docNum: await this.collections.docCount(collection.id),
      pointNum: await this.collections.pointCount(collection.id),
      ...(migration ? { embeddingMigration: migration } : {}),
    };
  }

  async list(project: string | undefined): Promise<CollectionSummary[]> {
    const collections = await this.collections.list(project);
    const migrations = await this.migrations.latest(collections.map((c) => c.id));
    return Promise.all(
      collections.map(async (c) => {
        const migration = migrations.get(c.id);
        if (!migration) return c;
        // A switch committed between the two reads: read the collection again (see describe).
        const switched = migration.status === 'done' && c.embeddingModel !== migration.targetModel ? await this.collections.findById(c.id) : undefined;
        return { ...c, ...(switched ?? {}), embeddingMigration: migration };
      }),
    );
  }

  /** The description, and (ext) `embedding_model`: start or cancel a migration to another model. */
  async update(input: UpdateCollectionInput): Promise<{ embeddingMigration?: MigrationRequestOutcome }> {
    const collection = await this.resolve(input);
    if (input.description !== undefined) await this.collections.updateDescription(collection.id, input.description);
    if (input.embedding_model === undefined) return {};
    return { embeddingMigration: await this.migrations.request(collection, input.embedding_model) };
  }

  async delete(ref: CollectionRefInput): Promise<void> {
    const collection = await this.resolve(ref);
    const state = await this.vectorIndexes.state(collection.id);
    await this.collections.delete(collection.id);
    if (state?.indexName) await this.vectorIndexes.dropIndex(state.indexName);
  }

  /** Remote providers learn their dimension from the first call, so ask once when unknown. */
  private async embeddingDimension(): Promise<number> {
    if (this.embedder.dimension !== undefined) return this.embedder.dimension;
    const [probe] = await this.embedder.embed(['dimension probe'], 'document');
    return probe.length;
  }
}
