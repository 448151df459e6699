import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@fjord/common';
import { EmbeddingModels } from '@fjord/embeddings';
import { EMBEDDING_MIGRATION_QUEUE, EmbeddingMigrationQueue } from '@fjord/jobs';
import type { CollectionRecord } from '../collections/collection.repository';
import { otherColumn } from '../vector-index/vector-index.repository';
import { EmbeddingMigration, EmbeddingMigrationRepository } from './embedding-migration.repository';

/** What a collection/update with `embedding_model` did. */
export type MigrationRequestOutcome = 'started' | 'cancelled' | 'unchanged';

/**
 * Starts and cancels embedding-model migrations (the runner does the work, in a job). Asking for
 * another served model starts one; asking for the collection's current model while one runs
 * cancels it; asking for the current model otherwise changes nothing.
 */
@Injectable()
export class EmbeddingMigrationService {
  private readonly logger = new Logger(EmbeddingMigrationService.name);

  constructor(
    private readonly migrations: EmbeddingMigrationRepository,
    private readonly models: EmbeddingModels,
    @Inject(EMBEDDING_MIGRATION_QUEUE) private readonly queue: EmbeddingMigrationQueue,
  ) {}

  async request(collection: CollectionRecord, requested: string): Promise<MigrationRequestOutcome> {
    const target = this.models.resolve(requested);
    if (target === undefined) {
      throw DomainError.invalid(
        `embedding_model ${requested} is not served here; served: ${this.models.servedModels().join(', ')} (or a name EMBEDDING_MODEL_MAP maps to one of them)`,
        'embedding_model',
      );
    }
    await this.migrations.pin(collection.id);
    const running = await this.migrations.running(collection.id);
    if (target === collection.embeddingModel) {
      if (!running) return 'unchanged';
      await this.migrations.finish(running.id, 'cancelled', `cancelled: embedding_model set back to ${collection.embeddingModel}`);
      this.logger.log({ collectionId: collection.id, migrationId: running.id }, 'embedding migration cancelled');
      return 'cancelled';
    }
    if (running) throw this.alreadyRunning(collection, running);
    const created = await this.start(collection, target);
    if (!created) {
      const other = await this.migrations.running(collection.id);
      throw other ? this.alreadyRunning(collection, other) : DomainError.invalid('another embedding migration of this collection started at the same time; retry', 'embedding_model');
    }
    return 'started';
  }

  /**
   * At start-up: collections that follow the default model (never given one with collection/update)
   * and are embedded with another, because EMBEDDING_MODEL changed, migrate to the new default.
   * Every process may call this at once: a collection gets at most one running migration.
   */
  async followDefaultModel(): Promise<number> {
    let started = 0;
    for (const collection of await this.migrations.strayFollowers(this.models.defaultModel)) {
      if (await this.start(collection, this.models.defaultModel)) started++;
    }
    return started;
  }

  private async start(collection: Pick<CollectionRecord, 'id' | 'embeddingModel' | 'embeddingColumn'>, target: string): Promise<EmbeddingMigration | undefined> {
    const created = await this.migrations.insert({
      collectionId: collection.id,
      sourceModel: collection.embeddingModel,
      targetModel: target,
      targetColumn: otherColumn(collection.embeddingColumn),
    });
    if (!created) return undefined;
    await this.queue.enqueue({ migrationId: created.id });
    this.logger.log({ collectionId: collection.id, migrationId: created.id, from: collection.embeddingModel, to: target }, 'embedding migration started');
    return created;
  }

  /** The newest migration of each collection (running or finished), for collection/info and list. */
  latest(collectionIds: readonly number[]): Promise<Map<number, EmbeddingMigration>> {
    return this.migrations.latest(collectionIds);
  }

  private alreadyRunning(collection: CollectionRecord, running: EmbeddingMigration): DomainError {
    return DomainError.invalid(
      `collection ${collection.name} is already migrating to ${running.targetModel} (${running.pointsDone}/${running.pointsTotal} points); ` +
        `wait for it, or cancel it with embedding_model ${collection.embeddingModel}`,
      'embedding_model',
    );
  }
}
