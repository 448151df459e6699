import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError, ErrorCode } from '@fjord/common';
import { DB, Db, Queryable } from '@fjord/database';
import { EmbeddingModels } from '@fjord/embeddings';
import type { VectorColumn } from '../vector-index/vector-index.repository';

/**
 * Which models a write into a collection embeds with, and into which columns: the collection's
 * model into its active column and, while a migration runs, the migration's target model into the
 * other column, so points written during a migration need no catching up.
 */
export interface VectorWritePlan {
  collectionId: number;
  active: { model: string; column: VectorColumn };
  target?: { model: string; column: VectorColumn; migrationId: number };
}

/** The vectors of a batch of texts, by plan slot. `target` is absent when the target model failed. */
export interface PlannedVectors {
  active: number[][];
  target?: number[][];
}

interface PlanRow {
  [column: string]: unknown;
  embedding_model: string;
  embedding_column: VectorColumn;
  migration_id: number | null;
  target_model: string | null;
  target_column: VectorColumn | null;
}

/**
 * Plans, embeds and checks point writes against a concurrent model switch. A writer reads the
 * plan, embeds outside any transaction, and in its writing transaction calls `stillCurrent`,
 * which share-locks the collection row (the switch takes it exclusively) and says whether the plan
 * still holds; if not the writer embeds again under a fresh plan (the embedding cache makes that cheap).
 */
@Injectable()
export class VectorWrites {
  private readonly logger = new Logger(VectorWrites.name);

  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly models: EmbeddingModels,
  ) {}

  async plan(collectionId: number, q: Queryable = this.db, lock = false): Promise<VectorWritePlan | undefined> {
    const { rows } = await q.query<PlanRow>(
      `SELECT c.embedding_model, c.embedding_column, m.id AS migration_id, m.target_model, m.target_column
         FROM collections c
         LEFT JOIN embedding_migrations m ON m.collection_id = c.id AND m.status = 'running'
        WHERE c.id = $1${lock ? ' FOR SHARE OF c' : ''}`,
      [collectionId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      collectionId,
      active: { model: row.embedding_model, column: row.embedding_column },
      ...(row.migration_id !== null && row.target_model !== null && row.target_column !== null
        ? { target: { model: row.target_model, column: row.target_column, migrationId: Number(row.migration_id) } }
        : {}),
    };
  }

  /**
   * Embeds with the active model (its failure is the write's failure) and the target model. A
   * target failure only leaves the target vectors out: the migration embeds those points itself
   * and reports the failure there, so an upstream outage never fails an upload.
   */
  async embed(plan: VectorWritePlan, texts: readonly string[]): Promise<PlannedVectors> {
    const { vectors: active } = await this.models.service(plan.active.model).embedDocuments(texts);
    if (!plan.target) return { active };
    try {
      const { vectors: target } = await this.models.service(plan.target.model).embedDocuments(texts);
      return { active, target };
    } catch (error) {
      this.logger.warn({ collectionId: plan.collectionId, model: plan.target.model, err: (error as Error).message }, 'embedding with the migration target failed; the migration catches up');
      return { active };
    }
  }

  /**
   * plan, embed `texts`, then `write` in a transaction that holds the plan; embeds again when a
   * switch came in between (at most `attempts` times, which only a storm of migrations exhausts).
   */
  async write<T>(
    collectionId: number,
    texts: readonly string[],
    write: (tx: Queryable, plan: VectorWritePlan, vectors: PlannedVectors) => Promise<T>,
    attempts = 3,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const plan = await this.plan(collectionId);
      if (!plan) throw new DomainError(ErrorCode.CollectionNotFound, 'the collection was deleted');
      const vectors = await this.embed(plan, texts);
      const done = await this.db.transaction(async (tx) => ((await this.stillCurrent(tx, plan)) ? { value: await write(tx, plan, vectors) } : undefined));
      if (done) return done.value;
      if (attempt >= attempts) throw new DomainError(ErrorCode.Unavailable, 'the collection kept switching embedding models during this write; retry it', { retryAfterSeconds: 1 });
    }
  }

  /**
   * In the writing transaction: locks the collection row against a switch until commit and says
   * whether `plan` still describes the collection. A migration started since is fine (its job
   * embeds points it finds without target vectors); a switch, or a different migration, is not.
   */
  async stillCurrent(tx: Queryable, plan: VectorWritePlan): Promise<boolean> {
    const now = await this.plan(plan.collectionId, tx, true);
    if (!now) return false;
    if (now.active.model !== plan.active.model || now.active.column !== plan.active.column) return false;
    return plan.target === undefined || now.target?.migrationId === plan.target.migrationId;
  }
}

/** Which columns a planned write fills: the active one, and the target one when its vectors exist. */
export function slotsOf(plan: VectorWritePlan, vectors: PlannedVectors): { active: VectorColumn; target?: VectorColumn } {
  return { active: plan.active.column, ...(plan.target && vectors.target ? { target: plan.target.column } : {}) };
}
