import { Inject, Injectable } from '@nestjs/common';
import { DB, Db, Queryable } from '@fjord/database';
import type { MetaEntry } from '../schemas/common.schema';
import { IngestionProgress, ProcessStatus } from './document-status';

export interface DocumentRecord {
  id: number;
  collectionId: number;
  docId: string;
  docName: string;
  docType: string;
  addType: string;
  url: string | null;
  meta: MetaEntry[];
  docHash: string | null;
  version: number;
  status: ProcessStatus;
  failedCode: number | null;
  failedReason: string | null;
  progress: IngestionProgress | null;
  attempts: number;
  pointNum: number;
  totalTokens: number;
  createdAt: Date;
  updatedAt: Date;
}

interface DocumentRow {
  [column: string]: unknown;
  id: number;
  collection_id: number;
  doc_id: string;
  doc_name: string;
  doc_type: string;
  add_type: string;
  url: string | null;
  meta: MetaEntry[];
  doc_hash: string | null;
  version: number;
  status: number;
  failed_code: number | null;
  failed_reason: string | null;
  progress: IngestionProgress | null;
  attempts: number;
  point_num: number;
  total_tokens: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, collection_id, doc_id, doc_name, doc_type, add_type, url, meta, doc_hash, version, status,
  failed_code, failed_reason, progress, attempts, point_num, total_tokens, created_at, updated_at`;
/** The same columns of `documents d`, for queries that join collections. */
const QUALIFIED_COLUMNS = COLUMNS.split(',').map((column) => `d.${column.trim()}`).join(', ');

function toRecord(row: DocumentRow): DocumentRecord {
  return {
    id: row.id,
    collectionId: row.collection_id,
    docId: row.doc_id,
    docName: row.doc_name,
    docType: row.doc_type,
    addType: row.add_type,
    url: row.url,
    meta: row.meta,
    docHash: row.doc_hash,
    version: row.version,
    status: row.status as ProcessStatus,
    failedCode: row.failed_code,
    failedReason: row.failed_reason,
    progress: row.progress,
    attempts: row.attempts,
    pointNum: row.point_num,
    totalTokens: row.total_tokens,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewDocumentVersion {
  collectionId: number;
  docId: string;
  docName: string;
  docType: string;
  addType: 'url' | 'text' | 'file';
  url: string | null;
  meta: MetaEntry[];
  docHash: string | null;
}

/** How many documents of one collection have one process_status. */
export interface CollectionStatusCount {
  resourceId: string;
  collectionName: string;
  project: string;
  status: ProcessStatus;
  count: number;
}

/** A failed document with the collection it belongs to. */
export interface FailedDocument {
  document: DocumentRecord;
  resourceId: string;
  collectionName: string;
  project: string;
}

const QUEUED_PROGRESS: IngestionProgress = { stage: 'queued', chunks_done: 0, chunks_total: 0 };

@Injectable()
export class DocumentRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Inserts the document, or makes a new version of an existing doc_id, and stores its bytes, in one
   * transaction: when this returns the document is durable and queued. The old version's points stay.
   */
  async saveVersion(doc: NewDocumentVersion, content: Buffer | undefined): Promise<DocumentRecord> {
    // Only statements: a transaction the server rolled back when its connection dropped is run again.
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<DocumentRow>(
        `INSERT INTO documents (collection_id, doc_id, doc_name, doc_type, add_type, url, meta, doc_hash, status, progress)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ${ProcessStatus.Queued}, $9)
         ON CONFLICT (collection_id, doc_id) DO UPDATE SET
           doc_name = EXCLUDED.doc_name, doc_type = EXCLUDED.doc_type, add_type = EXCLUDED.add_type,
           url = EXCLUDED.url, meta = EXCLUDED.meta, doc_hash = EXCLUDED.doc_hash,
           version = documents.version + 1, status = ${ProcessStatus.Queued}, failed_code = NULL,
           failed_reason = NULL, progress = EXCLUDED.progress, attempts = 0, updated_at = now()
         RETURNING ${COLUMNS}`,
        [doc.collectionId, doc.docId, doc.docName, doc.docType, doc.addType, doc.url, JSON.stringify(doc.meta), doc.docHash, JSON.stringify(QUEUED_PROGRESS)],
      );
      const saved = toRecord(rows[0]);
      if (content) await this.insertContent(saved.id, saved.version, content, tx);
      return saved;
    }, { rerunIfRolledBack: true });
  }

  async insertContent(documentId: number, version: number, content: Buffer, q: Queryable = this.db): Promise<void> {
    await q.query(
      `INSERT INTO document_contents (document_id, version, content, byte_size) VALUES ($1, $2, $3, $4)
       ON CONFLICT (document_id, version) DO UPDATE SET content = EXCLUDED.content, byte_size = EXCLUDED.byte_size`,
      [documentId, version, content, content.length],
    );
  }

  async content(documentId: number, version: number): Promise<Buffer | undefined> {
    const { rows } = await this.db.query<{ content: Uint8Array }>(
      'SELECT content FROM document_contents WHERE document_id = $1 AND version = $2',
      [documentId, version],
    );
    return rows[0] && Buffer.from(rows[0].content);
  }

  /**
   * Writes the stored bytes of a version to `sink` a slice at a time, so a large file is never held
   * whole (a bytea read at once is twice its size again as the wire's hex text). False when absent.
   */
  async copyContent(documentId: number, version: number, sink: (slice: Buffer) => Promise<void>, sliceBytes = 8 * 1024 * 1024): Promise<boolean> {
    const { rows } = await this.db.query<{ byte_size: number }>('SELECT byte_size FROM document_contents WHERE document_id = $1 AND version = $2', [
      documentId,
      version,
    ]);
    if (!rows[0]) return false;
    const size = Number(rows[0].byte_size);
    for (let offset = 0; offset < size; offset += sliceBytes) {
      const { rows: slice } = await this.db.query<{ part: Uint8Array }>(
        'SELECT substring(content FROM $3::int FOR $4::int) AS part FROM document_contents WHERE document_id = $1 AND version = $2',
        [documentId, version, offset + 1, sliceBytes],
      );
      if (!slice[0]) return false;
      await sink(Buffer.from(slice[0].part));
    }
    return true;
  }

  async findById(id: number, q: Queryable = this.db): Promise<DocumentRecord | undefined> {
    const { rows } = await q.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  /** Locks the row for the rest of the transaction (the pipeline's final commit, point edits). */
  async lockById(id: number, tx: Queryable): Promise<DocumentRecord | undefined> {
    const { rows } = await tx.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  async findByDocId(collectionId: number, docId: string): Promise<DocumentRecord | undefined> {
    const { rows } = await this.db.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE collection_id = $1 AND doc_id = $2`, [collectionId, docId]);
    return rows[0] && toRecord(rows[0]);
  }

  async findByHash(collectionId: number, docHash: string): Promise<DocumentRecord | undefined> {
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT ${COLUMNS} FROM documents WHERE collection_id = $1 AND doc_hash = $2 AND status <> ${ProcessStatus.Deleting} ORDER BY id LIMIT 1`,
      [collectionId, docHash],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async list(
    collectionId: number,
    options: { offset: number; limit: number; docType?: string; docIds?: string[] },
  ): Promise<{ documents: DocumentRecord[]; total: number }> {
    const params = [collectionId, options.docType ?? null, options.docIds ?? null];
    const where = `collection_id = $1 AND ($2::text IS NULL OR doc_type = $2) AND ($3::text[] IS NULL OR doc_id = ANY($3))`;
    const [page, count] = await Promise.all([
      this.db.query<DocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE ${where} ORDER BY created_at, id OFFSET $4 LIMIT $5`, [
        ...params,
        options.offset,
        options.limit,
      ]),
      this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents WHERE ${where}`, params),
    ]);
    return { documents: page.rows.map(toRecord), total: count.rows[0].n };
  }

  /** Claims a version for processing; undefined when it was superseded, deleted or already done. */
  async startProcessing(id: number, version: number, progress: IngestionProgress): Promise<DocumentRecord | undefined> {
    const { rows } = await this.db.query<DocumentRow>(
      `UPDATE documents SET status = ${ProcessStatus.Processing}, attempts = attempts + 1, progress = $3, updated_at = now()
        WHERE id = $1 AND version = $2 AND status IN (${ProcessStatus.Queued}, ${ProcessStatus.Processing})
        RETURNING ${COLUMNS}`,
      [id, version, JSON.stringify(progress)],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async updateProgress(id: number, version: number, progress: IngestionProgress): Promise<void> {
    await this.db.query(
      `UPDATE documents SET progress = $3, updated_at = now() WHERE id = $1 AND version = $2 AND status = ${ProcessStatus.Processing}`,
      [id, version, JSON.stringify(progress)],
    );
  }

  async markFailed(id: number, version: number, failedCode: number, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE documents SET status = ${ProcessStatus.Failed}, failed_code = $3, failed_reason = $4,
              progress = jsonb_set(coalesce(progress, '{}'::jsonb), '{stage}', '"failed"'), updated_at = now()
        WHERE id = $1 AND version = $2 AND status IN (${ProcessStatus.Queued}, ${ProcessStatus.Processing})`,
      [id, version, failedCode, reason.slice(0, 2000)],
    );
  }

  /** Back to queued after a transient failure, so a restart picks it up again. */
  async requeue(id: number, version: number): Promise<void> {
    await this.db.query(
      `UPDATE documents SET status = ${ProcessStatus.Queued} WHERE id = $1 AND version = $2 AND status = ${ProcessStatus.Processing}`,
      [id, version],
    );
  }

  /** The final step of a version, inside the transaction that wrote its points. */
  async markDone(
    tx: Queryable,
    id: number,
    stats: { pointNum: number; totalTokens: number; progress: IngestionProgress },
  ): Promise<void> {
    await tx.query(
      `UPDATE documents SET status = ${ProcessStatus.Done}, point_num = $2, total_tokens = $3, progress = $4,
              failed_code = NULL, failed_reason = NULL, updated_at = now()
        WHERE id = $1`,
      [id, stats.pointNum, stats.totalTokens, JSON.stringify(stats.progress)],
    );
  }

  async deleteContentsBefore(tx: Queryable, id: number, version: number): Promise<void> {
    await tx.query('DELETE FROM document_contents WHERE document_id = $1 AND version < $2', [id, version]);
  }

  async adjustPointStats(tx: Queryable, id: number, pointDelta: number, tokenDelta: number): Promise<void> {
    await tx.query(
      'UPDATE documents SET point_num = point_num + $2, total_tokens = total_tokens + $3, updated_at = now() WHERE id = $1',
      [id, pointDelta, tokenDelta],
    );
  }

  /**
   * Fails every document whose processing has not reported progress (each report refreshes
   * updated_at) for `olderThanMs`. Returns how many.
   */
  async failStuck(olderThanMs: number, failedCode: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `UPDATE documents SET status = ${ProcessStatus.Failed}, failed_code = $2,
              failed_reason = 'no progress for more than ' || ($1::bigint / 1000) || ' s in stage ' || coalesce(progress->>'stage', 'processing')
                              || ' (INGEST_STUCK_MS); doc/retry queues it again',
              progress = jsonb_set(coalesce(progress, '{}'::jsonb), '{stage}', '"failed"'), updated_at = now()
        WHERE status = ${ProcessStatus.Processing} AND updated_at < now() - make_interval(secs => $1::bigint / 1000.0)`,
      [olderThanMs, failedCode],
    );
    return rowCount;
  }

  /** A failed version back to queued with fresh attempts (doc/retry); undefined unless it was failed. */
  async requeueFailed(id: number, version: number, progress: IngestionProgress): Promise<DocumentRecord | undefined> {
    const { rows } = await this.db.query<DocumentRow>(
      `UPDATE documents SET status = ${ProcessStatus.Queued}, attempts = 0, failed_code = NULL, failed_reason = NULL, progress = $3, updated_at = now()
        WHERE id = $1 AND version = $2 AND status = ${ProcessStatus.Failed}
        RETURNING ${COLUMNS}`,
      [id, version, JSON.stringify(progress)],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async markDeleting(id: number): Promise<void> {
    await this.db.query(`UPDATE documents SET status = ${ProcessStatus.Deleting}, updated_at = now() WHERE id = $1`, [id]);
  }

  /** Removes the document; its contents and points go with it (ON DELETE CASCADE). */
  async delete(id: number): Promise<void> {
    await this.db.query('DELETE FROM documents WHERE id = $1', [id]);
  }

  async updateMeta(id: number, meta: MetaEntry[]): Promise<void> {
    await this.db.query('UPDATE documents SET meta = $2, updated_at = now() WHERE id = $1', [id, JSON.stringify(meta)]);
  }

  async updateName(id: number, docName: string): Promise<void> {
    await this.db.query('UPDATE documents SET doc_name = $2, updated_at = now() WHERE id = $1', [id, docName]);
  }

  /** Documents a crash or restart left unfinished, oldest first. */
  async unfinished(): Promise<Array<Pick<DocumentRecord, 'id' | 'version' | 'status'>>> {
    const { rows } = await this.db.query<{ id: number; version: number; status: number }>(
      `SELECT id, version, status FROM documents
        WHERE status IN (${ProcessStatus.Queued}, ${ProcessStatus.Processing}, ${ProcessStatus.Deleting}) ORDER BY id`,
    );
    return rows.map((r) => ({ id: r.id, version: r.version, status: r.status as ProcessStatus }));
  }

  async countByStatus(): Promise<Record<number, number>> {
    const { rows } = await this.db.query<{ status: number; n: number }>(
      `SELECT status, count(*)::int AS n FROM documents WHERE status IN (${ProcessStatus.Queued}, ${ProcessStatus.Processing}, ${ProcessStatus.Deleting}) GROUP BY status`,
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Documents per collection and status, for the collections of `project` (every collection when undefined). */
  async statusCountsByCollection(project: string | undefined): Promise<CollectionStatusCount[]> {
    const { rows } = await this.db.query<{ resource_id: string; name: string; project: string; status: number; n: number }>(
      `SELECT c.resource_id, c.name, c.project, d.status, count(*)::int AS n
         FROM documents d JOIN collections c ON c.id = d.collection_id
        WHERE ($1::text IS NULL OR c.project = $1)
        GROUP BY c.resource_id, c.name, c.project, d.status
        ORDER BY c.project, c.name, d.status`,
      [project ?? null],
    );
    return rows.map((r) => ({ resourceId: r.resource_id, collectionName: r.name, project: r.project, status: r.status as ProcessStatus, count: r.n }));
  }

  /** The latest failed documents (by their last update) of `project`'s collections, or of every collection. */
  async recentFailures(project: string | undefined, limit: number): Promise<FailedDocument[]> {
    if (limit === 0) return [];
    const { rows } = await this.db.query<DocumentRow & { resource_id: string; collection_name: string; project: string }>(
      `SELECT ${QUALIFIED_COLUMNS}, c.resource_id, c.name AS collection_name, c.project
         FROM documents d JOIN collections c ON c.id = d.collection_id
        WHERE d.status = ${ProcessStatus.Failed} AND ($1::text IS NULL OR c.project = $1)
        ORDER BY d.updated_at DESC, d.id DESC
        LIMIT $2`,
      [project ?? null, limit],
    );
    return rows.map((r) => ({ document: toRecord(r), resourceId: r.resource_id, collectionName: r.collection_name, project: r.project }));
  }
}
