import { Inject, Injectable } from '@nestjs/common';
import { toSql } from 'pgvector';
import { DB, Db, Queryable } from '@fjord/database';
import type { PointPosition } from './point-position';
import { columnSql, otherColumn, type VectorColumn } from '../vector-index/vector-index.repository';

/** The columns a write fills: `embedding` goes to `active`, `targetEmbedding` (during a migration) to `target`. */
export interface VectorSlots {
  active: VectorColumn;
  target?: VectorColumn;
}

export interface NewPoint {
  pointId: string;
  chunkId: number;
  chunkTitle: string;
  chunkType: string;
  content: string;
  tokenCount: number;
  /** The vector of the collection's model, for its active column. */
  embedding: number[];
  /** During a migration, the vector of the target model (see VectorSlots). */
  targetEmbedding?: number[];
  lexicalTerms: string[];
  position?: PointPosition;
}

export interface PointRecord {
  id: number;
  pointId: string;
  collectionId: number;
  documentId: number;
  chunkId: number;
  chunkTitle: string;
  chunkType: string;
  content: string;
  tokenCount: number;
  position?: PointPosition;
  createdAt: Date;
  updatedAt: Date;
}

interface PointRow {
  [column: string]: unknown;
  id: number;
  point_id: string;
  collection_id: number;
  document_id: number;
  chunk_id: number;
  chunk_title: string;
  chunk_type: string;
  content: string;
  token_count: number;
  position: PointPosition | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'p.id, p.point_id, p.collection_id, p.document_id, p.chunk_id, p.chunk_title, p.chunk_type, p.content, p.token_count, p.position, p.created_at, p.updated_at';

function toRecord(row: PointRow): PointRecord {
  return {
    id: row.id,
    pointId: row.point_id,
    collectionId: row.collection_id,
    documentId: row.document_id,
    chunkId: row.chunk_id,
    chunkTitle: row.chunk_title,
    chunkType: row.chunk_type,
    content: row.content,
    tokenCount: row.token_count,
    ...(row.position ? { position: row.position } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Public point ids are `<doc_id>-<chunk_id>`: stable across re-processing, unique per collection. */
export function pointIdOf(docId: string, chunkId: number): string {
  return `${docId}-${chunkId}`;
}

@Injectable()
export class PointRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** One statement for all of a document's points: arrays of columns through unnest. */
  async insertMany(tx: Queryable, collectionId: number, documentId: number, points: NewPoint[], slots: VectorSlots = { active: 'embedding' }): Promise<void> {
    if (points.length === 0) return;
    const target = slots.target ? `, ${columnSql(slots.target)}` : '';
    await tx.query(
      `INSERT INTO points (point_id, collection_id, document_id, chunk_id, chunk_title, chunk_type, content, token_count,
                           ${columnSql(slots.active)}, lexical_terms, lexical_length, position${target})
       SELECT t.point_id, $1, $2, t.chunk_id, t.chunk_title, t.chunk_type, t.content, t.token_count,
              t.embedding::vector, t.lexical_terms, t.lexical_length, t.position::jsonb${slots.target ? ', t.target::vector' : ''}
         FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::int[], $12::text[], $13::text[])
           AS t(point_id, chunk_id, chunk_title, chunk_type, content, token_count, embedding, lexical_terms, lexical_length, position, target)`,
      [
        collectionId,
        documentId,
        points.map((p) => p.pointId),
        points.map((p) => p.chunkId),
        points.map((p) => p.chunkTitle),
        points.map((p) => p.chunkType),
        points.map((p) => p.content),
        points.map((p) => p.tokenCount),
        points.map((p) => toSql(p.embedding) as string),
        points.map((p) => p.lexicalTerms.join(' ')),
        points.map((p) => p.lexicalTerms.length),
        points.map((p) => (p.position ? JSON.stringify(p.position) : null)),
        points.map((p) => (slots.target && p.targetEmbedding ? (toSql(p.targetEmbedding) as string) : null)),
      ],
    );
  }

  async deleteByDocument(tx: Queryable, documentId: number): Promise<number> {
    const { rowCount } = await tx.query('DELETE FROM points WHERE document_id = $1', [documentId]);
    return rowCount;
  }

  async findByPointId(collectionId: number, pointId: string, q: Queryable = this.db): Promise<PointRecord | undefined> {
    const { rows } = await q.query<PointRow>(`SELECT ${COLUMNS} FROM points p WHERE p.collection_id = $1 AND p.point_id = $2`, [collectionId, pointId]);
    return rows[0] && toRecord(rows[0]);
  }

  async list(
    collectionId: number,
    options: { offset: number; limit: number; documentIds?: number[]; pointIds?: string[] },
  ): Promise<{ points: PointRecord[]; total: number }> {
    const params = [collectionId, options.documentIds ?? null, options.pointIds ?? null];
    const where = 'p.collection_id = $1 AND ($2::bigint[] IS NULL OR p.document_id = ANY($2)) AND ($3::text[] IS NULL OR p.point_id = ANY($3))';
    const [page, count] = await Promise.all([
      this.db.query<PointRow>(`SELECT ${COLUMNS} FROM points p WHERE ${where} ORDER BY p.document_id, p.chunk_id OFFSET $4 LIMIT $5`, [
        ...params,
        options.offset,
        options.limit,
      ]),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM points p WHERE ${where}`, params),
    ]);
    return { points: page.rows.map(toRecord), total: count.rows[0].n };
  }

  async nextChunkId(tx: Queryable, documentId: number): Promise<number> {
    const { rows } = await tx.query<{ next: number }>('SELECT coalesce(max(chunk_id) + 1, 0)::int AS next FROM points WHERE document_id = $1', [documentId]);
    return rows[0].next;
  }

  /**
   * New content and its vector. The other column gets the target model's vector during a migration,
   * else it is emptied: whatever it held was the old content's.
   */
  async update(
    tx: Queryable,
    id: number,
    changes: { chunkTitle: string; content: string; tokenCount: number; embedding: number[]; targetEmbedding?: number[]; lexicalTerms: string[] },
    slots: VectorSlots = { active: 'embedding' },
  ): Promise<void> {
    const other = columnSql(slots.target ?? otherColumn(slots.active));
    const otherValue = slots.target && changes.targetEmbedding ? toSql(changes.targetEmbedding) : null;
    await tx.query(
      `UPDATE points SET chunk_title = $2, content = $3, token_count = $4, ${columnSql(slots.active)} = $5::vector, lexical_terms = $6,
              lexical_length = $7, ${other} = $8::vector, updated_at = now()
        WHERE id = $1`,
      [id, changes.chunkTitle, changes.content, changes.tokenCount, toSql(changes.embedding), changes.lexicalTerms.join(' '), changes.lexicalTerms.length, otherValue],
    );
  }

  async delete(tx: Queryable, id: number): Promise<void> {
    await tx.query('DELETE FROM points WHERE id = $1', [id]);
  }
}
