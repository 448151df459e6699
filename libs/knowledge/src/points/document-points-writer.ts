import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { DB, Db, Queryable } from '@fjord/database';
import { DocumentRepository } from '../documents/document.repository';
import { IngestionProgress, ProcessStatus } from '../documents/document-status';
import { NewPoint, PointRepository, VectorSlots } from './point.repository';

/** A check run inside a batch's or the flip's transaction (the embedding plan still holds, say). */
export type StillValid = (tx: Queryable) => Promise<boolean>;

/** Points deleted per transaction when a hidden version is cleared away. */
const PURGE_BATCH = 500;

/** The point set an ingestion attempt is writing for one version of a document. */
export interface StagedVersion {
  readonly documentId: number;
  readonly collectionId: number;
  /** documents.version this set is for: a newer upload supersedes it. */
  readonly documentVersion: number;
  /** points.version of the set: new for every attempt. */
  readonly pointVersion: number;
  /** This attempt's claim on the set (hidden_point_versions.writer). */
  readonly writer: string;
  /** Batches and points this attempt has committed so far (for `afterBatch`). */
  readonly written: { batches: number; points: number };
}

export interface PublishedStats {
  pointNum: number;
  totalTokens: number;
  progress: IngestionProgress;
}

/** What a test may hold between two batches of a document (see `afterBatch`). */
export interface StoredBatch {
  documentId: number;
  version: number;
  /** 1-based number of the batch just committed, and the points written so far. */
  batch: number;
  pointsWritten: number;
}

/**
 * The ingest write path (migrations/20261130144500_staged_points.sql): a new document version's
 * points go in as small transactions, hidden from every read, and become searchable in one short
 * transaction (`publish`) that hides the previous version in the same commit; the replaced points
 * are then deleted in batches. No transaction holds the database for longer than one batch, so on
 * PGlite's single connection searches keep being answered while a large document is written.
 *
 *   const staged = await writer.begin(doc);          // undefined: a newer version exists
 *   await writer.writeBatch(staged, points);          // as many times as needed; false: superseded
 *   await writer.publish(staged, stats);              // false: superseded
 *   await writer.purgeStale(doc.id);                  // the replaced version, in batches
 */
@Injectable()
export class DocumentPointsWriter {
  private readonly logger = new Logger(DocumentPointsWriter.name);
  /**
   * Awaited after each batch commits, before the next one is written. For tests that must observe
   * a document half-written (a gate, not a sleep); unset in production.
   */
  afterBatch?: (batch: StoredBatch) => Promise<void>;

  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly documents: DocumentRepository,
    private readonly points: PointRepository,
  ) {}

  /**
   * Starts a new point set for `version` of the document (taking the version over from any earlier
   * attempt that crashed or stalled) and clears every other hidden set of the document (a crashed
   * attempt's batches, a replaced set not yet deleted). Undefined when the document has moved on to
   * a newer version.
   */
  async begin(doc: { id: number; collectionId: number; version: number }): Promise<StagedVersion | undefined> {
    const writer = randomUUID();
    const pointVersion = await this.db.transaction(async (tx) => {
      const current = await this.lockDocument(tx, doc.id);
      if (!current || current.version !== doc.version) return undefined;
      const { rows } = await tx.query<{ next: number }>(
        `SELECT greatest($2::int,
                         (SELECT coalesce(max(version), 0) FROM points WHERE document_id = $1),
                         (SELECT coalesce(max(version), 0) FROM hidden_point_versions WHERE document_id = $1)) + 1 AS next`,
        [doc.id, current.points_version],
      );
      const next = Number(rows[0].next);
      await tx.query(
        `INSERT INTO hidden_point_versions (collection_id, document_id, version, reason, writer, document_version)
         VALUES ($1, $2, $3, 'staging', $4, $5)`,
        [doc.collectionId, doc.id, next, writer, doc.version],
      );
      return next;
    });
    if (pointVersion === undefined) return undefined;
    const staged: StagedVersion = { documentId: doc.id, collectionId: doc.collectionId, documentVersion: doc.version, pointVersion, writer, written: { batches: 0, points: 0 } };
    // Every other hidden set of this document belongs to an attempt that can no longer publish (its
    // document version is older, or this attempt has taken the version over): clear them.
    const { rows } = await this.db.query<{ version: number }>('SELECT version FROM hidden_point_versions WHERE document_id = $1 AND version <> $2', [
      doc.id,
      pointVersion,
    ]);
    for (const { version } of rows) await this.purgeVersion(doc.id, Number(version), { keepRow: false });
    return staged;
  }

  /**
   * One batch of the staged set, in its own short transaction, into the vector columns `slots`
   * names. False when this attempt no longer owns the set (a newer version was uploaded, or another
   * attempt took over): the caller stops. 'invalid' when `stillValid` says no: nothing is written.
   */
  async writeBatch(staged: StagedVersion, points: NewPoint[], options: { slots?: VectorSlots; stillValid?: StillValid } = {}): Promise<boolean | 'invalid'> {
    if (points.length === 0) return true;
    const written = await this.db.transaction(async (tx): Promise<boolean | 'invalid'> => {
      if (!(await this.owns(tx, staged))) return false;
      if (options.stillValid && !(await options.stillValid(tx))) return 'invalid';
      await this.points.insertMany(tx, staged.collectionId, staged.documentId, points, options.slots, staged.pointVersion);
      return true;
    }, { background: true });
    if (written !== true) return written;
    const done = staged.written;
    done.batches++;
    done.points += points.length;
    await this.afterBatch?.({ documentId: staged.documentId, version: staged.documentVersion, batch: done.batches, pointsWritten: done.points });
    return true;
  }

  /**
   * The flip: the staged points become visible and the previous version's hidden, in one short
   * transaction that also marks the document done and moves BM25's N and total length from the old
   * version's points to the new ones. `expectedPoints` guards against publishing a version some
   * other attempt cleared under us. False when superseded; 'invalid' when `stillValid` says no.
   */
  async publish(staged: StagedVersion, expectedPoints: number, stats: PublishedStats, stillValid?: StillValid): Promise<boolean | 'invalid'> {
    return this.db.transaction(async (tx): Promise<boolean | 'invalid'> => {
      // Losing this commit in a crash is harmless: the document is still unfinished and gets redone.
      if (this.db.kind === 'postgres') await tx.query('SET LOCAL synchronous_commit = off');
      if (!(await this.owns(tx, staged))) return false;
      if (stillValid && !(await stillValid(tx))) return 'invalid';
      const totals = await this.points.versionTotals(tx, staged.documentId);
      const { rows: hidden } = await tx.query<{ version: number }>('SELECT version FROM hidden_point_versions WHERE document_id = $1', [staged.documentId]);
      const hiddenVersions = new Set(hidden.map((r) => Number(r.version)));
      const fresh = totals.get(staged.pointVersion) ?? { points: 0, lexicalLength: 0 };
      if (fresh.points !== expectedPoints) {
        throw new Error(`document ${staged.documentId} point set ${staged.pointVersion} holds ${fresh.points} staged points, expected ${expectedPoints}`);
      }
      const replaced = [...totals.entries()].filter(([version]) => version !== staged.pointVersion && !hiddenVersions.has(version));
      const replacedPoints = replaced.reduce((sum, [, t]) => sum + t.points, 0);
      const replacedLength = replaced.reduce((sum, [, t]) => sum + t.lexicalLength, 0);

      await tx.query('DELETE FROM hidden_point_versions WHERE document_id = $1 AND version = $2', [staged.documentId, staged.pointVersion]);
      if (replaced.length > 0) {
        await tx.query(
          `INSERT INTO hidden_point_versions (collection_id, document_id, version, reason)
           SELECT $1, $2, v, 'stale' FROM unnest($3::int[]) AS v ON CONFLICT (document_id, version) DO NOTHING`,
          [staged.collectionId, staged.documentId, replaced.map(([version]) => version)],
        );
      }
      if (fresh.points !== replacedPoints || fresh.lexicalLength !== replacedLength) {
        // Folded into lexical_stats at commit, like the triggers' own deltas (which skip hidden points).
        await tx.query('INSERT INTO lexical_stat_deltas (collection_id, doc_delta, length_delta) VALUES ($1, $2, $3)', [
          staged.collectionId,
          fresh.points - replacedPoints,
          fresh.lexicalLength - replacedLength,
        ]);
      } else {
        // Same N and length, different postings: searches must still drop their cached frequencies.
        await tx.query('UPDATE lexical_stats SET version = version + 1 WHERE collection_id = $1', [staged.collectionId]);
      }
      await tx.query('UPDATE documents SET points_version = $2 WHERE id = $1', [staged.documentId, staged.pointVersion]);
      await this.documents.markDone(tx, staged.documentId, stats);
      await this.documents.deleteContentsBefore(tx, staged.documentId, staged.documentVersion);
      return true;
    });
  }

  /** Clears the staged version of an attempt that failed for good (best effort: recovery sweeps too). */
  async discard(staged: StagedVersion): Promise<void> {
    const owned = await this.db.transaction(async (tx) => {
      if (!(await this.owns(tx, staged))) return false;
      await tx.query("UPDATE hidden_point_versions SET reason = 'stale', writer = NULL WHERE document_id = $1 AND version = $2", [staged.documentId, staged.pointVersion]);
      return true;
    });
    if (owned) await this.purgeStale(staged.documentId);
  }

  /**
   * Deletes the points of the document's replaced ('stale') versions in batches. A version's row
   * goes in the transaction that deletes its last points, so its points never become visible.
   */
  async purgeStale(documentId: number): Promise<number> {
    const { rows } = await this.db.query<{ version: number }>("SELECT version FROM hidden_point_versions WHERE document_id = $1 AND reason = 'stale'", [
      documentId,
    ]);
    let deleted = 0;
    for (const { version } of rows) deleted += await this.purgeVersion(documentId, Number(version), { keepRow: false });
    return deleted;
  }

  /**
   * Recovery: hidden versions nobody is writing any more (their document is gone, done, failed or
   * at a newer version) become 'stale', and every stale version is deleted. A version still being
   * ingested is left to its attempt, which clears it itself when it (re)starts.
   */
  async sweep(): Promise<{ documents: number; points: number }> {
    await this.db.query(
      `UPDATE hidden_point_versions h SET reason = 'stale', writer = NULL
        WHERE h.reason = 'staging'
          AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = h.document_id AND d.version = h.document_version
                             AND d.status IN (${ProcessStatus.Queued}, ${ProcessStatus.Processing}))`,
    );
    const { rows } = await this.db.query<{ document_id: number }>("SELECT DISTINCT document_id FROM hidden_point_versions WHERE reason = 'stale'");
    let points = 0;
    for (const { document_id } of rows) points += await this.purgeStale(Number(document_id));
    if (rows.length > 0) this.logger.log({ documents: rows.length, points }, 'deleted hidden points left by replaced versions and interrupted ingestion');
    return { documents: rows.length, points };
  }

  private async purgeVersion(documentId: number, version: number, options: { keepRow: boolean }): Promise<number> {
    let deleted = 0;
    for (;;) {
      const count = await this.db.transaction(async (tx) => {
        const n = await this.points.deleteVersionBatch(tx, documentId, version, PURGE_BATCH);
        if (n < PURGE_BATCH && !options.keepRow) {
          // Only once no point is left: another process may be purging the same version alongside.
          await tx.query(
            `DELETE FROM hidden_point_versions WHERE document_id = $1 AND version = $2
                AND NOT EXISTS (SELECT 1 FROM points WHERE document_id = $1 AND version = $2)`,
            [documentId, version],
          );
        }
        return n;
      }, { background: true });
      deleted += count;
      if (count < PURGE_BATCH) return deleted;
    }
  }

  /** Locks the document row and checks that this attempt still owns the staged version. */
  private async owns(tx: Queryable, staged: StagedVersion): Promise<boolean> {
    const current = await this.lockDocument(tx, staged.documentId);
    if (!current || current.version !== staged.documentVersion) return false;
    const { rows } = await tx.query<{ writer: string | null }>(
      "SELECT writer FROM hidden_point_versions WHERE document_id = $1 AND version = $2 AND reason = 'staging'",
      [staged.documentId, staged.pointVersion],
    );
    return rows[0]?.writer === staged.writer;
  }

  private async lockDocument(tx: Queryable, documentId: number): Promise<{ version: number; points_version: number } | undefined> {
    const { rows } = await tx.query<{ version: number; points_version: number }>('SELECT version, points_version FROM documents WHERE id = $1 FOR UPDATE', [
      documentId,
    ]);
    return rows[0] && { version: Number(rows[0].version), points_version: Number(rows[0].points_version) };
  }
}
