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
    const running = await this.migrations.running(collection.id);
    if (target === collection.embeddingModel) {
      if (!running) return 'unchanged';
      await this.migrations.finish(running.id, 'cancelled', `cancelled: embedding_model set back to ${collection.embeddingModel}`);
      this.logger.log({ collectionId: collection.id, migrationId: running.id }, 'embedding migration cancelled');
      return 'cancelled';
    }
    if (running) throw this.alreadyRunning(collection, running);
    const created = await this.migrations.insert({
      collectionId: collection.id,
      sourceModel: collection.embeddingModel,
      targetModel: target,
      targetColumn: otherColumn(collection.embeddingColumn),
    });
    if (!created) {
      const other = await this.migrations.running(collection.id);
      throw other ? this.alreadyRunning(collection, other) : DomainError.invalid('another embedding migration of this collection started at the same time; retry', 'embedding_model');
    }
    await this.queue.enqueue({ migrationId: created.id });
    this.logger.log({ collectionId: collection.id, migrationId: created.id, from: collection.embeddingModel, to: target }, 'embedding migration started');
    return 'started';
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
