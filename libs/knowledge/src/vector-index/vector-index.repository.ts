import { Inject, Injectable } from '@nestjs/common';
import { DB, Db, Queryable } from '@fjord/database';

/** The two vector slots of a point (see migrations/20261130131500_embedding_migrations.sql). */
export type VectorColumn = 'embedding' | 'embedding_alt';

/** The slot a migration fills: the one the collection does not search. */
export function otherColumn(column: VectorColumn): VectorColumn {
  return column === 'embedding' ? 'embedding_alt' : 'embedding';
}

/** Column names are inlined into SQL: only the two known ones pass. */
export function columnSql(column: VectorColumn): string {
  if (column !== 'embedding' && column !== 'embedding_alt') throw new Error(`not a vector column: ${String(column)}`);
  return column;
}

export interface VectorIndexState {
  collectionId: number;
  indexName: string | null;
  /** Points with id <= watermark are in the HNSW index; the tail above it is scanned exactly. */
  watermark: number;
  /** An open index covers every row of the collection; new rows are inserted into it directly. */
  isOpen: boolean;
  dimension: number;
  /** The collection's embedding model and the column holding its vectors, read with the rest. */
  model: string;
  column: VectorColumn;
}

interface StateRow {
  [column: string]: unknown;
  collection_id: number;
  index_name: string | null;
  watermark: number;
  is_open: boolean;
  embedding_dimension: number;
  embedding_model: string;
  embedding_column: VectorColumn;
}

export interface HnswParams {
  m: number;
  efConstruction: number;
}

/** Everything here is an integer read from our own rows, so it is safe to inline into DDL. */
function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return String(n);
}

/**
 * Per-collection HNSW partial indexes over `points`. The index predicate must appear literally in a
 * query for the planner to use a partial index, so `coveredPredicate` is shared with the search SQL.
 */
@Injectable()
export class VectorIndexRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Whether building an index stops every other query: on PGlite the build runs on the API's own
   * thread and holds its only connection; Postgres builds CONCURRENTLY beside the traffic.
   */
  get buildsBlock(): boolean {
    return this.db.kind === 'pglite';
  }

  async init(collectionId: number, q: Queryable = this.db): Promise<void> {
    await q.query('INSERT INTO vector_indexes (collection_id) VALUES ($1) ON CONFLICT DO NOTHING', [collectionId]);
  }

  async state(collectionId: number): Promise<VectorIndexState | undefined> {
    const { rows } = await this.db.query<StateRow>(
      `SELECT v.collection_id, v.index_name, v.watermark, v.is_open, c.embedding_dimension, c.embedding_model, c.embedding_column
         FROM vector_indexes v JOIN collections c ON c.id = v.collection_id
        WHERE v.collection_id = $1`,
      [collectionId],
    );
    const row = rows[0];
    return (
      row && {
        collectionId: row.collection_id,
        indexName: row.index_name,
        watermark: row.watermark,
        isOpen: row.is_open,
        dimension: row.embedding_dimension,
        model: row.embedding_model,
        column: row.embedding_column,
      }
    );
  }

  /** Rows of the collection above the watermark, and the total. */
  async counts(collectionId: number, watermark: number): Promise<{ tail: number; total: number }> {
    const { rows } = await this.db.query<{ tail: number; total: number }>(
      `SELECT count(*) FILTER (WHERE id > $2)::int AS tail, count(*)::int AS total FROM points WHERE collection_id = $1`,
      [collectionId, watermark],
    );
    return rows[0];
  }

  /** Takes the rebuild lease unless another process holds a fresh one. */
  async claimBuild(collectionId: number, staleAfterSeconds: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE vector_indexes SET building_since = now()
        WHERE collection_id = $1 AND (building_since IS NULL OR building_since < now() - make_interval(secs => $2))`,
      [collectionId, staleAfterSeconds],
    );
    return rowCount > 0;
  }

  async releaseBuild(collectionId: number): Promise<void> {
    await this.db.query('UPDATE vector_indexes SET building_since = NULL WHERE collection_id = $1', [collectionId]);
  }

  async maxPointId(collectionId: number): Promise<number> {
    const { rows } = await this.db.query<{ max: number | null }>('SELECT max(id) AS max FROM points WHERE collection_id = $1', [collectionId]);
    return rows[0].max ?? 0;
  }

  /**
   * Builds the new index beside the old one, switches the state row, then drops the old index, so
   * searches always have an index (or an exact scan) to use. CONCURRENTLY keeps writes flowing.
   * When the collection switched embedding models meanwhile (its vectors moved to the other
   * column), the index just built is of the wrong column: it is dropped and the state left alone.
   */
  async build(
    collectionId: number,
    dimension: number,
    target: { watermark: number; open: boolean },
    params: HnswParams,
    previous: string | null,
    column: VectorColumn = 'embedding',
  ): Promise<string> {
    const name = await this.createIndex(collectionId, column, dimension, target, params);
    const { rowCount } = await this.db.query(
      `UPDATE vector_indexes SET index_name = $2, watermark = $3, is_open = $4, building_since = NULL, updated_at = now()
        WHERE collection_id = $1 AND EXISTS (SELECT 1 FROM collections c WHERE c.id = $1 AND c.embedding_column = $5)`,
      [collectionId, name, target.watermark, target.open, column],
    );
    if (rowCount === 0) {
      await this.dropIndex(name);
      return name;
    }
    if (previous && previous !== name) await this.dropIndex(previous);
    return name;
  }

  /** The HNSW partial index over one vector column of a collection's points (no state change). */
  async createIndex(
    collectionId: number,
    column: VectorColumn,
    dimension: number,
    target: { watermark: number; open: boolean },
    params: HnswParams,
  ): Promise<string> {
    const slot = column === 'embedding_alt' ? 'alt_' : '';
    const name = `points_hnsw_c${int(collectionId)}_${slot}${target.open ? 'open' : `w${int(target.watermark)}`}`;
    const predicate = target.open ? `collection_id = ${int(collectionId)}` : `collection_id = ${int(collectionId)} AND id <= ${int(target.watermark)}`;
    const concurrently = this.db.kind === 'postgres' ? 'CONCURRENTLY' : '';
    await this.db.session(async (q) => {
      // The build is fast only while the graph fits in maintenance_work_mem; parallel workers use both cores.
      await q.query("SET maintenance_work_mem = '512MB'");
      if (this.db.kind === 'postgres') await q.query('SET max_parallel_maintenance_workers = 2');
      await q.query(
        `CREATE INDEX ${concurrently} IF NOT EXISTS ${name} ON points
           USING hnsw ((${columnSql(column)}::vector(${int(dimension)})) vector_cosine_ops)
           WITH (m = ${int(params.m)}, ef_construction = ${int(params.efConstruction)})
           WHERE ${predicate}`,
      );
    });
    return name;
  }

  async dropIndex(name: string): Promise<void> {
    if (!/^points_hnsw_c\d+_(alt_)?(open|w\d+)$/.test(name)) throw new Error(`refusing to drop ${name}`);
    await this.db.query(`DROP INDEX ${this.db.kind === 'postgres' ? 'CONCURRENTLY' : ''} IF EXISTS ${name}`);
  }
}

/** The SQL predicate selecting the indexed part of a collection (must match the index's own). */
export function coveredPredicate(state: Pick<VectorIndexState, 'collectionId' | 'watermark' | 'isOpen'>, alias = 'p'): string {
  return state.isOpen
    ? `${alias}.collection_id = ${int(state.collectionId)}`
    : `${alias}.collection_id = ${int(state.collectionId)} AND ${alias}.id <= ${int(state.watermark)}`;
}

/** The unindexed tail of a collection, searched exactly (empty for an open index). */
export function tailPredicate(state: Pick<VectorIndexState, 'collectionId' | 'watermark' | 'isOpen'>, alias = 'p'): string | undefined {
  return state.isOpen ? undefined : `${alias}.collection_id = ${int(state.collectionId)} AND ${alias}.id > ${int(state.watermark)}`;
}
