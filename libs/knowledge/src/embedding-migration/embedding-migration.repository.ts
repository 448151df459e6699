import { Inject, Injectable } from '@nestjs/common';
import { toSql } from 'pgvector';
import { DB, Db, Queryable } from '@fjord/database';
import { columnSql, type VectorColumn } from '../vector-index/vector-index.repository';

export type MigrationStatus = 'running' | 'done' | 'failed' | 'cancelled';
export type MigrationStage = 'clearing' | 'embedding' | 'indexing' | 'switching' | 'finished';

export interface EmbeddingMigration {
  id: number;
  collectionId: number;
  sourceModel: string;
  targetModel: string;
  targetColumn: VectorColumn;
  targetDimension: number | null;
  status: MigrationStatus;
  stage: MigrationStage;
  pointsDone: number;
  pointsTotal: number;
  indexName: string | null;
  indexWatermark: number;
  failedReason: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

interface MigrationRow {
  [column: string]: unknown;
  id: number;
  collection_id: number;
  source_model: string;
  target_model: string;
  target_column: VectorColumn;
  target_dimension: number | null;
  status: MigrationStatus;
  stage: MigrationStage;
  points_done: number;
  points_total: number;
  index_name: string | null;
  index_watermark: number;
  failed_reason: string | null;
  started_at: Date;
  finished_at: Date | null;
}

function toRecord(row: MigrationRow): EmbeddingMigration {
  return {
    id: Number(row.id),
    collectionId: Number(row.collection_id),
    sourceModel: row.source_model,
    targetModel: row.target_model,
    targetColumn: row.target_column,
    targetDimension: row.target_dimension,
    status: row.status,
    stage: row.stage,
    pointsDone: row.points_done,
    pointsTotal: row.points_total,
    indexName: row.index_name,
    indexWatermark: Number(row.index_watermark),
    failedReason: row.failed_reason,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/** A point still to embed with the target model. `version` guards against an edit in between. */
export interface PendingPoint {
  id: number;
  text: string;
  version: string;
}

/** `embedding_migrations` and the point-side queries of a migration (see the runner). */
@Injectable()
export class EmbeddingMigrationRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** Undefined when the collection already has a running migration (the partial unique index). */
  async insert(m: { collectionId: number; sourceModel: string; targetModel: string; targetColumn: VectorColumn }): Promise<EmbeddingMigration | undefined> {
    const { rows } = await this.db.query<MigrationRow>(
      `INSERT INTO embedding_migrations (collection_id, source_model, target_model, target_column, status, stage)
       VALUES ($1, $2, $3, $4, 'running', 'clearing')
       ON CONFLICT (collection_id) WHERE status = 'running' DO NOTHING
       RETURNING *`,
      [m.collectionId, m.sourceModel, m.targetModel, m.targetColumn],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async findById(id: number, q: Queryable = this.db, lock = false): Promise<EmbeddingMigration | undefined> {
    const { rows } = await q.query<MigrationRow>(`SELECT * FROM embedding_migrations WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async running(collectionId: number): Promise<EmbeddingMigration | undefined> {
    const { rows } = await this.db.query<MigrationRow>(`SELECT * FROM embedding_migrations WHERE collection_id = $1 AND status = 'running'`, [collectionId]);
    return rows[0] && toRecord(rows[0]);
  }

  /** The newest migration of each collection given (collection/info and list show it). */
  async latest(collectionIds: readonly number[]): Promise<Map<number, EmbeddingMigration>> {
    if (collectionIds.length === 0) return new Map();
    const { rows } = await this.db.query<MigrationRow>(
      `SELECT DISTINCT ON (collection_id) * FROM embedding_migrations WHERE collection_id = ANY($1::bigint[]) ORDER BY collection_id, id DESC`,
      [collectionIds],
    );
    return new Map(rows.map((row) => [Number(row.collection_id), toRecord(row)]));
  }

  /** Collections following the default model that are embedded with another one and not migrating. */
  async strayFollowers(defaultModel: string): Promise<Array<{ id: number; name: string; embeddingModel: string; embeddingColumn: VectorColumn }>> {
    const { rows } = await this.db.query<{ id: number; name: string; embedding_model: string; embedding_column: VectorColumn }>(
      `SELECT c.id, c.name, c.embedding_model, c.embedding_column FROM collections c
        WHERE c.follows_default_embedding AND c.embedding_model <> $1
          AND NOT EXISTS (SELECT 1 FROM embedding_migrations m WHERE m.collection_id = c.id AND m.status = 'running')
        ORDER BY c.id`,
      [defaultModel],
    );
    return rows.map((row) => ({ id: Number(row.id), name: row.name, embeddingModel: row.embedding_model, embeddingColumn: row.embedding_column }));
  }

  /** A model chosen with collection/update pins the collection: it no longer follows EMBEDDING_MODEL. */
  async pin(collectionId: number): Promise<void> {
    await this.db.query('UPDATE collections SET follows_default_embedding = false WHERE id = $1', [collectionId]);
  }

  async runningIds(): Promise<number[]> {
    const { rows } = await this.db.query<{ id: number }>(`SELECT id FROM embedding_migrations WHERE status = 'running' ORDER BY id`);
    return rows.map((row) => Number(row.id));
  }

  /** Moves a running migration on; false when it is no longer running (cancelled meanwhile). */
  async advance(
    id: number,
    changes: { stage?: MigrationStage; pointsDone?: number; addPointsDone?: number; pointsTotal?: number; targetDimension?: number; indexName?: string | null; indexWatermark?: number },
    q: Queryable = this.db,
  ): Promise<boolean> {
    const { rowCount } = await q.query(
      `UPDATE embedding_migrations
          SET stage = coalesce($2, stage),
              points_done = coalesce($3, points_done) + coalesce($4, 0),
              points_total = coalesce($5, points_total),
              target_dimension = coalesce($6, target_dimension),
              index_name = CASE WHEN $7::boolean THEN $8 ELSE index_name END,
              index_watermark = coalesce($9, index_watermark),
              updated_at = now()
        WHERE id = $1 AND status = 'running'`,
      [
        id,
        changes.stage ?? null,
        changes.pointsDone ?? null,
        changes.addPointsDone ?? null,
        changes.pointsTotal ?? null,
        changes.targetDimension ?? null,
        changes.indexName !== undefined,
        changes.indexName ?? null,
        changes.indexWatermark ?? null,
      ],
    );
    return rowCount > 0;
  }

  /** Ends a running migration as failed or cancelled; false when it was not running any more. */
  async finish(id: number, status: 'failed' | 'cancelled', reason: string | null): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE embedding_migrations SET status = $2, stage = 'finished', failed_reason = $3, finished_at = now(), updated_at = now()
        WHERE id = $1 AND status = 'running'`,
      [id, status, reason],
    );
    return rowCount > 0;
  }

  async markDone(tx: Queryable, id: number, pointsDone: number): Promise<void> {
    await tx.query(
      `UPDATE embedding_migrations SET status = 'done', stage = 'finished', points_done = $2, points_total = $2, finished_at = now(), updated_at = now() WHERE id = $1`,
      [id, pointsDone],
    );
  }

  /** Empties a vector column of a collection (the slot a migration is about to fill). */
  async clearColumn(collectionId: number, column: VectorColumn): Promise<void> {
    const c = columnSql(column);
    await this.db.query(`UPDATE points SET ${c} = NULL WHERE collection_id = $1 AND ${c} IS NOT NULL`, [collectionId]);
  }

  /** Points of the collection, and those whose `column` is filled. */
  async columnCounts(collectionId: number, column: VectorColumn, q: Queryable = this.db): Promise<{ total: number; filled: number }> {
    const { rows } = await q.query<{ total: number; filled: number }>(
      `SELECT count(*)::int AS total, count(${columnSql(column)})::int AS filled FROM points WHERE collection_id = $1`,
      [collectionId],
    );
    return rows[0];
  }

  /** The next points (by id, above `after`) whose `column` is empty, with the text they are embedded from. */
  async pending(collectionId: number, column: VectorColumn, after: number, limit: number): Promise<PendingPoint[]> {
    const { rows } = await this.db.query<{ id: number; chunk_title: string; content: string; version: string }>(
      `SELECT id, chunk_title, content, updated_at::text AS version FROM points
        WHERE collection_id = $1 AND ${columnSql(column)} IS NULL AND id > $2
        ORDER BY id LIMIT $3`,
      [collectionId, after, limit],
    );
    // The text the ingestion pipeline embeds a chunk from, so the embedding cache is shared with it.
    return rows.map((row) => ({ id: Number(row.id), text: `${row.chunk_title}\n${row.content}`, version: row.version }));
  }

  /** Stores target vectors; a point edited or deleted since it was read is skipped (it is read again). */
  async fill(collectionId: number, column: VectorColumn, points: readonly PendingPoint[], vectors: readonly number[][]): Promise<number> {
    const c = columnSql(column);
    const { rowCount } = await this.db.query(
      `UPDATE points p SET ${c} = v.embedding::vector
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS v (id, version, embedding)
        WHERE p.id = v.id AND p.collection_id = $1 AND p.updated_at = v.version::timestamptz AND p.${c} IS NULL`,
      [collectionId, points.map((p) => p.id), points.map((p) => p.version), vectors.map((v) => toSql(v) as string)],
    );
    return rowCount;
  }

  /** HNSW indexes of a collection's vector column other than `keep` (left by a cancelled or crashed migration). */
  async columnIndexes(collectionId: number, column: VectorColumn, keep: string | null): Promise<string[]> {
    const { rows } = await this.db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE tablename = 'points' AND indexname LIKE $1`, [
      `points_hnsw_c${collectionId}_%`,
    ]);
    const pattern = column === 'embedding_alt' ? new RegExp(`^points_hnsw_c${collectionId}_alt_(open|w\\d+)$`) : new RegExp(`^points_hnsw_c${collectionId}_(open|w\\d+)$`);
    return rows.map((row) => row.indexname).filter((name) => pattern.test(name) && name !== keep);
  }
}
