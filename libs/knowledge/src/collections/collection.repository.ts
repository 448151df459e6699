import { Inject, Injectable } from '@nestjs/common';
import { DB, Db, Queryable } from '@fjord/database';
import { isLexicalAnalyzerVersion, type LexicalAnalyzerVersion } from '@fjord/text';
import type { FieldDefinition } from '../schemas/common.schema';
import type { Preprocessing } from '../schemas/collection.schema';
import type { VectorColumn } from '../vector-index/vector-index.repository';
import type { EmbeddingMigration } from '../embedding-migration/embedding-migration.repository';

export interface CollectionRecord {
  id: number;
  resourceId: string;
  project: string;
  name: string;
  description: string;
  dataType: string;
  preprocessing: Preprocessing;
  indexType: string;
  fields: FieldDefinition[];
  embeddingModel: string;
  embeddingDimension: number;
  /** The point column holding this model's vectors (the other one is a migration's target). */
  embeddingColumn: VectorColumn;
  quant: string | null;
  /** The lexical analyser its stored terms were made with (queries use the same one). */
  lexicalAnalyzer: LexicalAnalyzerVersion;
  createdAt: Date;
  updatedAt: Date;
}

/** A collection with its document count, for collection/info and collection/list only. */
export interface CollectionSummary extends CollectionRecord {
  docNum: number;
  /** Points of its documents (as each document's point_num counts them). */
  pointNum: number;
  /** Its newest embedding-model migration, running or finished; absent when it never had one. */
  embeddingMigration?: EmbeddingMigration;
}

interface CollectionRow {
  [column: string]: unknown;
  id: number;
  resource_id: string;
  project: string;
  name: string;
  description: string;
  data_type: string;
  preprocessing: Preprocessing;
  index_type: string;
  fields: FieldDefinition[];
  embedding_model: string;
  embedding_dimension: number;
  embedding_column: VectorColumn;
  quant: string | null;
  lexical_analyzer: number;
  doc_num?: number;
  point_num?: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `c.id, c.resource_id, c.project, c.name, c.description, c.data_type, c.preprocessing, c.index_type,
  c.fields, c.embedding_model, c.embedding_dimension, c.embedding_column, c.quant, c.lexical_analyzer, c.created_at, c.updated_at`;
// Counting documents grows with the collection, so only info and list pay for it, not every lookup.
const DOC_NUM = '(SELECT count(*)::int FROM documents d WHERE d.collection_id = c.id) AS doc_num';
const POINT_NUM = '(SELECT coalesce(sum(d.point_num), 0)::int FROM documents d WHERE d.collection_id = c.id) AS point_num';

function toRecord(row: CollectionRow): CollectionRecord {
  return {
    id: row.id,
    resourceId: row.resource_id,
    project: row.project,
    name: row.name,
    description: row.description,
    dataType: row.data_type,
    preprocessing: row.preprocessing,
    indexType: row.index_type,
    fields: row.fields,
    embeddingModel: row.embedding_model,
    embeddingDimension: row.embedding_dimension,
    embeddingColumn: row.embedding_column,
    quant: row.quant,
    lexicalAnalyzer: toLexicalAnalyzer(row.lexical_analyzer),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A version this build does not know (a newer release wrote it) cannot be searched correctly: fail loudly. */
function toLexicalAnalyzer(version: number): LexicalAnalyzerVersion {
  if (!isLexicalAnalyzerVersion(version)) throw new Error(`collection uses lexical analyser ${version}, unknown to this version of fjord`);
  return version;
}

/** The lexical analyser is the column default (the latest one); vectors start in `embedding`. */
export type NewCollection = Omit<CollectionRecord, 'id' | 'createdAt' | 'updatedAt' | 'lexicalAnalyzer' | 'embeddingColumn'>;

@Injectable()
export class CollectionRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /** Returns undefined when (project, name) is taken. */
  async insert(c: NewCollection, q: Queryable = this.db): Promise<CollectionRecord | undefined> {
    const { rows } = await q.query<{ id: number }>(
      `INSERT INTO collections (resource_id, project, name, description, data_type, preprocessing, index_type, fields,
                                embedding_model, embedding_dimension, quant)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (project, name) DO NOTHING
       RETURNING id`,
      [
        c.resourceId,
        c.project,
        c.name,
        c.description,
        c.dataType,
        JSON.stringify(c.preprocessing),
        c.indexType,
        JSON.stringify(c.fields),
        c.embeddingModel,
        c.embeddingDimension,
        c.quant,
      ],
    );
    return rows[0] ? this.findById(rows[0].id, q) : undefined;
  }

  async findById(id: number, q: Queryable = this.db): Promise<CollectionRecord | undefined> {
    const { rows } = await q.query<CollectionRow>(`SELECT ${COLUMNS} FROM collections c WHERE c.id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async findByResourceId(resourceId: string): Promise<CollectionRecord | undefined> {
    const { rows } = await this.db.query<CollectionRow>(`SELECT ${COLUMNS} FROM collections c WHERE c.resource_id = $1`, [resourceId]);
    return rows[0] && toRecord(rows[0]);
  }

  async findByName(project: string, name: string): Promise<CollectionRecord | undefined> {
    const { rows } = await this.db.query<CollectionRow>(
      `SELECT ${COLUMNS} FROM collections c WHERE c.project = $1 AND c.name = $2`,
      [project, name],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async list(project: string | undefined): Promise<CollectionSummary[]> {
    const { rows } = await this.db.query<CollectionRow>(
      `SELECT ${COLUMNS}, ${DOC_NUM}, ${POINT_NUM} FROM collections c WHERE ($1::text IS NULL OR c.project = $1) ORDER BY c.project, c.name`,
      [project ?? null],
    );
    return rows.map((row) => ({ ...toRecord(row), docNum: row.doc_num ?? 0, pointNum: row.point_num ?? 0 }));
  }

  async docCount(id: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM documents WHERE collection_id = $1', [id]);
    return rows[0].n;
  }

  async pointCount(id: number): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>('SELECT coalesce(sum(point_num), 0)::int AS n FROM documents WHERE collection_id = $1', [id]);
    return rows[0].n;
  }

  async updateDescription(id: number, description: string): Promise<void> {
    await this.db.query('UPDATE collections SET description = $2, updated_at = now() WHERE id = $1', [id, description]);
  }

  /** Cascades to documents, contents and points. */
  async delete(id: number): Promise<void> {
    await this.db.query('DELETE FROM collections WHERE id = $1', [id]);
  }
}
