import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { EmbeddingModels } from '@fjord/embeddings';
import { EMBEDDING_MIGRATION_QUEUE, EmbeddingMigrationQueue, InProcessEmbeddingMigrationQueue } from '@fjord/jobs';
import { VectorIndexRepository, columnSql } from '../vector-index/vector-index.repository';
import { VECTOR_INDEX_POLICY, VectorIndexService } from '../vector-index/vector-index.service';
import { EmbeddingMigration, EmbeddingMigrationRepository } from './embedding-migration.repository';
import { EmbeddingMigrationService } from './embedding-migration.service';

/** Why the runner stopped before the switch. */
class MigrationStopped extends Error {}

/**
 * Runs one embedding-model migration to its end; every step is saved, so a job cut off anywhere
 * (a killed worker, a restart) resumes where the row says:
 *
 * 1. clearing: empties the target column (it may hold an older migration's vectors) and drops
 *    indexes left on it;
 * 2. embedding: embeds, batch by batch, every point whose target column is empty with the target
 *    model, through the embedding cache; points written meanwhile are embedded with both models
 *    by their writers, or caught up here;
 * 3. indexing: builds the target column's HNSW index when the collection is large enough to have
 *    one (the policy of vector-index.service.ts; smaller collections are searched exactly);
 * 4. switching: one transaction, holding the collection row against writers, checks that every
 *    point has a target vector (else back to 2) and flips model, dimension, column and index.
 *
 * Searches use the active column throughout. A failure (the target model's upstream, say) marks
 * the migration failed with its reason; a cancel (collection/update back to the current model)
 * is seen at the next batch. Either way the collection never left its model.
 */
@Injectable()
export class EmbeddingMigrationRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EmbeddingMigrationRunner.name);
  private stopping = false;

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EMBEDDING_MIGRATION_QUEUE) private readonly queue: EmbeddingMigrationQueue,
    private readonly migrations: EmbeddingMigrationRepository,
    private readonly models: EmbeddingModels,
    private readonly indexes: VectorIndexRepository,
    private readonly indexService: VectorIndexService,
    private readonly starter: EmbeddingMigrationService,
  ) {}

  /** Embedded mode runs migrations in this process, and resumes the ones a restart cut off. */
  async onApplicationBootstrap(): Promise<void> {
    if (!(this.queue instanceof InProcessEmbeddingMigrationQueue)) return;
    this.queue.setHandler((job) => this.run(job.migrationId));
    await this.recover();
  }

  onModuleDestroy(): void {
    this.stopping = true;
  }

  /**
   * Enqueues every running migration again (idempotent per migration), after starting those of
   * collections that follow a default model which changed since they were embedded.
   */
  async recover(): Promise<number> {
    await this.starter.followDefaultModel();
    const ids = await this.migrations.runningIds();
    for (const migrationId of ids) await this.queue.enqueue({ migrationId });
    if (ids.length > 0) this.logger.log({ migrations: ids }, 'resuming embedding migrations');
    return ids.length;
  }

  async run(migrationId: number): Promise<void> {
    const started = await this.migrations.findById(migrationId);
    if (!started || started.status !== 'running') return;
    try {
      await this.steps(started);
    } catch (error) {
      if (error instanceof MigrationStopped) {
        await this.cleanUp(migrationId);
        return;
      }
      if (this.stopping) return; // cut off by shutdown: resumed at the next start
      const reason = `re-embedding with ${started.targetModel} failed: ${(error as Error).message}`;
      this.logger.warn({ migrationId, collectionId: started.collectionId, reason }, 'embedding migration failed');
      if (await this.migrations.finish(migrationId, 'failed', reason)) await this.cleanUp(migrationId);
    }
  }

  private async steps(initial: EmbeddingMigration): Promise<void> {
    let m = initial;
    for (;;) {
      if (this.stopping) throw new Error('shutting down');
      switch (m.stage) {
        case 'clearing':
          await this.clear(m);
          break;
        case 'embedding':
          await this.embedAll(m);
          break;
        case 'indexing':
          await this.buildIndex(m);
          break;
        case 'switching':
          if (await this.switchOver(m)) return;
          break;
        case 'finished':
          return;
      }
      const next = await this.migrations.findById(m.id);
      if (!next || next.status !== 'running') throw new MigrationStopped();
      m = next;
    }
  }

  private async clear(m: EmbeddingMigration): Promise<void> {
    const state = await this.indexes.state(m.collectionId);
    for (const name of await this.migrations.columnIndexes(m.collectionId, m.targetColumn, state?.indexName ?? null)) await this.indexes.dropIndex(name);
    await this.migrations.clearColumn(m.collectionId, m.targetColumn);
    const { total } = await this.migrations.columnCounts(m.collectionId, m.targetColumn);
    await this.advanceOrStop(m.id, { stage: 'embedding', pointsDone: 0, pointsTotal: total });
  }

  /** Embeds until a full pass from the first point finds nothing left to embed. */
  private async embedAll(m: EmbeddingMigration): Promise<void> {
    const batchSize = this.config.embedding.migrationBatchSize ?? 256;
    const service = this.models.service(m.targetModel);
    const counts = await this.migrations.columnCounts(m.collectionId, m.targetColumn);
    await this.advanceOrStop(m.id, { pointsDone: counts.filled, pointsTotal: Math.max(counts.total, m.pointsTotal) });
    let dimension = m.targetDimension ?? undefined;
    for (;;) {
      let after = 0;
      let found = 0;
      for (;;) {
        if (this.stopping) throw new Error('shutting down');
        const readStarted = performance.now();
        const batch = await this.migrations.pending(m.collectionId, m.targetColumn, after, batchSize);
        let heldMs = performance.now() - readStarted;
        if (batch.length === 0) break;
        found += batch.length;
        after = batch[batch.length - 1].id;
        const { vectors } = await service.embedDocuments(batch.map((p) => p.text));
        const got = vectors[0].length;
        if (dimension === undefined) {
          dimension = got;
          await this.advanceOrStop(m.id, { targetDimension: got });
        } else if (got !== dimension) {
          throw new Error(`${m.targetModel} returned ${got}-dimensional vectors after ${dimension}-dimensional ones`);
        }
        const writeStarted = performance.now();
        const filled = await this.migrations.fill(m.collectionId, m.targetColumn, batch, vectors);
        await this.advanceOrStop(m.id, { addPointsDone: filled });
        heldMs += performance.now() - writeStarted;
        // Where the migration shares the only connection with searches (PGlite), it steps aside after
        // each batch for as long as the batch held it, so searches get at least half the database.
        if (this.indexes.buildsBlock) await new Promise((resolve) => setTimeout(resolve, Math.min(heldMs, 5_000)));
      }
      if (found === 0) break;
    }
    if (dimension === undefined) {
      // An empty collection: ask the model once for its dimension.
      const [probe] = (await service.embedDocuments(['dimension probe'])).vectors;
      dimension = probe.length;
    }
    const final = await this.migrations.columnCounts(m.collectionId, m.targetColumn);
    await this.advanceOrStop(m.id, { stage: 'indexing', targetDimension: dimension, pointsDone: final.filled, pointsTotal: final.total });
  }

  /** The target column's index over the points so far; newer points are the tail, searched exactly. */
  private async buildIndex(m: EmbeddingMigration): Promise<void> {
    const { total } = await this.migrations.columnCounts(m.collectionId, m.targetColumn);
    const minRows = this.indexes.buildsBlock ? VECTOR_INDEX_POLICY.blockingMinTail : VECTOR_INDEX_POLICY.minTail;
    if (total < minRows || m.targetDimension === null) {
      await this.advanceOrStop(m.id, { stage: 'switching', indexName: null, indexWatermark: 0 });
      return;
    }
    const watermark = await this.indexes.maxPointId(m.collectionId);
    const params = { m: this.config.vectorIndex.m, efConstruction: this.config.vectorIndex.efConstruction };
    const name = await this.indexes.createIndex(m.collectionId, m.targetColumn, m.targetDimension, { watermark, open: false }, params);
    await this.advanceOrStop(m.id, { stage: 'switching', indexName: name, indexWatermark: watermark });
  }

  /**
   * The switch. Writers share-lock the collection row in their transaction (VectorWrites), so
   * holding it exclusively here means every committed point is seen and no writer commits under
   * the old plan after the flip. Returns false when points without target vectors turned up.
   */
  private async switchOver(m: EmbeddingMigration): Promise<boolean> {
    const outcome = await this.db.transaction(async (tx) => {
      await tx.query('SELECT id FROM collections WHERE id = $1 FOR UPDATE', [m.collectionId]);
      const current = await this.migrations.findById(m.id, tx, true);
      if (!current || current.status !== 'running') return { kind: 'stopped' as const };
      const { total, filled } = await this.migrations.columnCounts(m.collectionId, m.targetColumn, tx);
      if (filled < total) return { kind: 'again' as const };
      const { rows } = await tx.query<{ index_name: string | null }>('SELECT index_name FROM vector_indexes WHERE collection_id = $1', [m.collectionId]);
      await tx.query(
        `UPDATE collections SET embedding_model = $2, embedding_dimension = $3, embedding_column = $4, updated_at = now() WHERE id = $1`,
        [m.collectionId, m.targetModel, current.targetDimension, columnSql(m.targetColumn)],
      );
      await tx.query(
        `UPDATE vector_indexes SET index_name = $2, watermark = $3, is_open = false, building_since = NULL, updated_at = now() WHERE collection_id = $1`,
        [m.collectionId, current.indexName, current.indexWatermark],
      );
      await this.migrations.markDone(tx, m.id, total);
      return { kind: 'switched' as const, previousIndex: rows[0]?.index_name ?? null };
    });
    if (outcome.kind === 'stopped') throw new MigrationStopped();
    if (outcome.kind === 'again') {
      await this.advanceOrStop(m.id, { stage: 'embedding' });
      return false;
    }
    this.logger.log({ migrationId: m.id, collectionId: m.collectionId, model: m.targetModel }, 'collection switched embedding model');
    if (outcome.previousIndex) await this.indexes.dropIndex(outcome.previousIndex).catch((error: unknown) => this.logger.warn({ err: error }, 'dropping the old vector index failed'));
    this.indexService.maybeRebuild(m.collectionId);
    return true;
  }

  private async advanceOrStop(id: number, changes: Parameters<EmbeddingMigrationRepository['advance']>[1]): Promise<void> {
    if (!(await this.migrations.advance(id, changes))) throw new MigrationStopped();
  }

  /** After a cancel or failure: the target index goes; the target column is emptied by the next migration. */
  private async cleanUp(migrationId: number): Promise<void> {
    const m = await this.migrations.findById(migrationId);
    if (!m) return;
    if (m.indexName) await this.indexes.dropIndex(m.indexName).catch((error: unknown) => this.logger.warn({ err: error }, 'dropping a migration index failed'));
  }
}
