import { Inject, Injectable } from '@nestjs/common';
import { toSql } from 'pgvector';
import { DB, Db, ReadDb } from '@fjord/database';
import type { MetaEntry } from '@fjord/knowledge/schemas/common.schema';
import type { PointPosition } from '@fjord/knowledge/points/point-position';
import { HIDDEN_FINGERPRINT_SQL, HiddenPointIds, HiddenPoints, notHiddenIdSql, visiblePointSql } from '@fjord/knowledge/points/point-visibility';
import { columnSql, coveredPredicate, tailPredicate, VectorIndexState } from '@fjord/knowledge/vector-index/vector-index.repository';
import { CheckedFilter } from '../filters/doc-filter';
import { docFilterSql, SqlParams } from '../filters/doc-filter.sql';

/** One candidate of one signal: the point's row id and that signal's raw score. */
export interface Candidate {
  id: number;
  score: number;
}

export interface HitPoint {
  id: number;
  pointId: string;
  documentId: number;
  chunkId: number;
  chunkTitle: string;
  chunkType: string;
  content: string;
  position?: PointPosition;
  createdAt: Date;
  updatedAt: Date;
}

export interface HitDocument {
  id: number;
  docId: string;
  docName: string;
  docType: string;
  addType: string;
  url: string | null;
  meta: MetaEntry[];
  createdAt: Date;
  updatedAt: Date;
}

interface HitPointRow {
  [column: string]: unknown;
  id: number;
  point_id: string;
  document_id: number;
  chunk_id: number;
  chunk_title: string;
  chunk_type: string;
  content: string;
  position: PointPosition | null;
  created_at: Date;
  updated_at: Date;
}

interface HitDocumentRow {
  [column: string]: unknown;
  id: number;
  doc_id: string;
  doc_name: string;
  doc_type: string;
  add_type: string;
  url: string | null;
  meta: MetaEntry[];
  created_at: Date;
  updated_at: Date;
}

const POINT_COLUMNS = 'p.id, p.point_id, p.document_id, p.chunk_id, p.chunk_title, p.chunk_type, p.content, p.position, p.created_at, p.updated_at';
const DOCUMENT_COLUMNS = 'd.id, d.doc_id, d.doc_name, d.doc_type, d.add_type, d.url, d.meta, d.created_at, d.updated_at';

function toPoint(row: HitPointRow): HitPoint {
  return {
    id: row.id,
    pointId: row.point_id,
    documentId: row.document_id,
    chunkId: row.chunk_id,
    chunkTitle: row.chunk_title,
    chunkType: row.chunk_type,
    content: row.content,
    ...(row.position ? { position: row.position } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toDocument(row: HitDocumentRow): HitDocument {
  return {
    id: row.id,
    docId: row.doc_id,
    docName: row.doc_name,
    docType: row.doc_type,
    addType: row.add_type,
    url: row.url,
    meta: row.meta,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** ef_search high enough for k candidates, within pgvector's limit of 1000. */
function efSearchFor(query: Pick<DenseQuery, 'efSearch' | 'k'>): string {
  return int(Math.min(1000, Math.max(query.efSearch, query.k)));
}

function int(n: number): string {
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`not a positive integer: ${n}`);
  return String(n);
}

export interface DenseQuery {
  state: VectorIndexState;
  vector: number[];
  k: number;
  efSearch: number;
  /** Restrict to these documents (a doc_filter's matches); undefined = the whole collection. */
  documentIds?: number[];
}

export interface LexicalQuery {
  collectionId: number;
  /** Distinct query terms and each one's weight: query tf x idf x (k1 + 1). */
  terms: string[];
  weights: number[];
  k: number;
  k1: number;
  b: number;
  avgdl: number;
  documentIds?: number[];
  /** How many postings the terms' lists hold together (their df sum), when the caller knows it. */
  postings?: number;
}

export interface LexicalStats {
  docCount: number;
  totalLength: number;
  /** lexical_stats.version: changes with every committed write to the collection's points. */
  version: number;
  /** Document frequency of each requested term (0 when absent). */
  df: Map<string, number>;
  /**
   * False when the hidden points kept changing while this was read, so the frequencies may count
   * a set of points no snapshot ever showed: good for one query, never to be cached.
   */
  settled: boolean;
}

/** Reads of the statistics retried when the hidden points change between the two statements. */
const STATS_ATTEMPTS = 3;

/**
 * BM25's term factor tf / (tf + k1 * (1 - b + b * len / avgdl)) of the posting row `pt`, in the
 * parameter positions every BM25 statement here shares: $4 = k1, $5 = b, $6 = avgdl.
 */
function termFactor(pt: string): string {
  return `${pt}.tf / (${pt}.tf + $4::float8 * (1 - $5::float8 + $5::float8 * ${pt}.doc_len / $6::float8))`;
}

/** Posting lists at least this long (together) are merged rather than hashed (see lexical). */
const MERGE_MIN_POSTINGS = 5000;

/** Soft-deleted documents (process_status 5) are never returned. */
const DELETING = 5;

@Injectable()
export class SearchRepository {
  private iterativeScan: Promise<boolean> | undefined;
  private readonly hidden = new HiddenPointIds();

  constructor(@Inject(DB) private readonly db: Db) {}

  /**
   * Every statement here is a pure read, so it goes to a read replica when there is a healthy one
   * (chosen per statement). A replica is at most DATABASE_READ_MAX_LAG_MS behind, and the caches
   * built on these reads are keyed by the lexical_stats.version each statement saw, so a replica's
   * older snapshot is never mixed into a newer one.
   */
  private get reads(): ReadDb {
    return this.db.reader();
  }

  /** The ids of the collection's documents a doc_filter admits. */
  async filterDocuments(collectionId: number, filter: CheckedFilter): Promise<number[]> {
    const params = new SqlParams([collectionId]);
    const predicate = docFilterSql(filter, params, 'd');
    const { rows } = await this.reads.query<{ id: number }>(
      `SELECT d.id FROM documents d WHERE d.collection_id = $1 AND d.status <> ${DELETING} AND ${predicate}`,
      params.values,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Cosine top-k: the HNSW-covered part of the collection through its partial expression index,
   * plus the exact top-k of the unindexed tail (see vector-index.service.ts), merged. Returns
   * similarity (1 - cosine distance). ef_search and, with a filter, pgvector 0.8's iterative scan
   * are set per transaction so a selective filter still yields k rows; an unfiltered query whose
   * ef_search is the one Postgres connections start with (createDb) runs as one statement.
   */
  async dense(query: DenseQuery): Promise<Candidate[]> {
    const dim = int(query.state.dimension);
    const k = int(query.k);
    const covered = coveredPredicate(query.state, 'p');
    const tail = tailPredicate(query.state, 'p');
    const filtered = query.documentIds !== undefined;
    const docFilter = filtered ? ' AND p.document_id = ANY($2::bigint[])' : '';
    const distance = `(p.${columnSql(query.state.column)}::vector(${dim})) <=> $1::vector(${dim})`;
    const branch = (where: string) =>
      `(SELECT p.id, ${distance} AS distance FROM points p WHERE ${where}${docFilter} AND ${visiblePointSql('p')} ORDER BY ${distance} LIMIT ${k})`;
    const sql = tail
      ? `SELECT u.id, 1 - u.distance AS score FROM (${branch(covered)} UNION ALL ${branch(tail)}) u ORDER BY u.distance, u.id LIMIT ${k}`
      : `SELECT u.id, 1 - u.distance AS score FROM ${branch(covered)} u ORDER BY u.distance, u.id`;
    const params: unknown[] = [toSql(query.vector)];
    if (filtered) params.push(query.documentIds);
    const iterative = filtered && (await this.supportsIterativeScan());
    const settings = { 'hnsw.ef_search': efSearchFor(query), ...(iterative ? { 'hnsw.iterative_scan': 'relaxed_order' } : {}) };
    const rows = await this.queryWith<{ id: number; score: number }>(settings, sql, params);
    return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
  }

  /**
   * The plan of the dense query at the query's ef_search (benchmarks and tests check that the HNSW
   * index is used). pgvector's cost estimate grows with ef_search, so on a small collection the
   * planner may rightly prefer an exact sort.
   */
  async explainDense(query: DenseQuery): Promise<string> {
    const dim = int(query.state.dimension);
    const distance = `(p.${columnSql(query.state.column)}::vector(${dim})) <=> $1::vector(${dim})`;
    const rows = await this.queryWith<{ 'QUERY PLAN': string }>(
      { 'hnsw.ef_search': efSearchFor(query) },
      `EXPLAIN SELECT p.id FROM points p WHERE ${coveredPredicate(query.state, 'p')} AND ${visiblePointSql('p')} ORDER BY ${distance} LIMIT ${int(query.k)}`,
      [toSql(query.vector)],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  }

  /** Exact cosine top-k over the whole collection (sequential scan): the recall reference. */
  async exactDense(collectionId: number, dimension: number, vector: number[], k: number): Promise<number[]> {
    const dim = int(dimension);
    const rows = await this.queryWith<{ id: number }>(
      { enable_indexscan: 'off', enable_bitmapscan: 'off' },
      `SELECT p.id FROM points p WHERE p.collection_id = $2 AND ${visiblePointSql('p')}
        ORDER BY (p.embedding::vector(${dim})) <=> $1::vector(${dim}), p.id LIMIT ${int(k)}`,
      [toSql(vector), collectionId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * BM25 top-k from the posting lists of the query's terms (migrations/20261122080000_lexical_index.sql):
   * each posting contributes `weight * tf / (tf + k1 * (1 - b + b * len / avgdl))`, where the
   * caller's weight per term is `query tf * idf * (k1 + 1)` (see bm25.ts). With a filter, the scored
   * points are joined to their documents before the limit (exact, never post-filtered short).
   *
   * One index-only scan per term, each already in point_id order (the primary key is (collection,
   * term, point)), merged (Merge Append) and summed per point as the rows stream by (GroupAggregate).
   * Left to itself Postgres hashes all postings instead, and on 52k postings that hash aggregate took
   * 36 ms against 16 ms for the merge (bench:search corpus, psql): hence enable_hashagg off when
   * the lists are long. Short lists keep the one-statement plan (SET LOCAL needs a transaction,
   * three more round trips, which cost more than they save below a few thousand postings).
   */
  async lexical(query: LexicalQuery): Promise<Candidate[]> {
    if (query.terms.length === 0) return [];
    const hidden = await this.hiddenPointIds(query.collectionId);
    const params: unknown[] = [query.collectionId, query.terms, query.weights, query.k1, query.b, query.avgdl];
    const branches = query.terms.map(
      (_, i) => `(SELECT pt.point_id AS id,
                         ($3::float8[])[${i + 1}] * ${termFactor('pt')} AS s
                    FROM point_terms pt
                   WHERE pt.collection_id = $1 AND pt.term = ($2::text[])[${i + 1}] AND ${notHiddenIdSql('pt.point_id', hidden.ids)}
                   ORDER BY pt.point_id)`,
    );
    const scored = `SELECT u.id, sum(u.s) AS score FROM (${branches.join(' UNION ALL ')}) u GROUP BY u.id`;
    let sql: string;
    if (query.documentIds !== undefined) {
      params.push(query.documentIds);
      sql = `SELECT s.id, s.score FROM (${scored}) s JOIN points p ON p.id = s.id WHERE p.document_id = ANY($7::bigint[]) ORDER BY s.score DESC, s.id LIMIT ${int(query.k)}`;
    } else {
      sql = `${scored} ORDER BY score DESC, id LIMIT ${int(query.k)}`;
    }
    const merged = (query.postings ?? Infinity) >= MERGE_MIN_POSTINGS;
    const rows = await this.queryWith<{ id: number; score: number }>(merged ? { enable_hashagg: 'off' } : {}, sql, params);
    return rows.map((r) => ({ id: Number(r.id), score: Number(r.score) }));
  }

  /**
   * BM25 contributions of `terms` to the given points only: one primary-key lookup per (term, point)
   * instead of scanning the posting lists (pruned BM25, see bm25.ts). The OFFSET 0 keeps the lookup
   * a parameterised index probe: joined plainly, Postgres reads each term's whole list and filters.
   */
  async lexicalFor(query: Omit<LexicalQuery, 'k' | 'documentIds'>, pointIds: number[]): Promise<Map<number, number>> {
    if (query.terms.length === 0 || pointIds.length === 0) return new Map();
    const { rows } = await this.reads.query<{ id: number; score: number }>(
      `SELECT x.point_id AS id,
              sum(w.weight * ${termFactor('x')}) AS score
         FROM unnest($2::text[], $3::float8[]) AS w(term, weight)
        CROSS JOIN unnest($7::bigint[]) AS c(id)
        CROSS JOIN LATERAL (SELECT pt.point_id, pt.tf, pt.doc_len FROM point_terms pt
                             WHERE pt.collection_id = $1 AND pt.term = w.term AND pt.point_id = c.id OFFSET 0) x
        GROUP BY x.point_id`,
      [query.collectionId, query.terms, query.weights, query.k1, query.b, query.avgdl, pointIds],
    );
    return new Map(rows.map((r) => [Number(r.id), Number(r.score)]));
  }

  /**
   * The `limit` best postings of each term by its BM25 term factor tf / (tf + k1 * (1 - b + b * len /
   * avgdl)), best first, ties by point id (the heads of pruned BM25, see bm25.ts), and the
   * lexical_stats.version the statement saw: -1 when the hidden points it was given are no longer
   * the ones it saw (a staged batch or a flip committed in between), so the caller does not cache
   * heads that may hold hidden points or miss visible ones.
   */
  async postingHeads(
    query: Pick<LexicalQuery, 'collectionId' | 'k1' | 'b' | 'avgdl'>,
    terms: string[],
    limit: number,
  ): Promise<{ version: number; heads: Map<string, Candidate[]> }> {
    const hidden = await this.hiddenPointIds(query.collectionId);
    const { rows } = await this.reads.query<{ term: string | null; id: number | null; score: number | null; version: number | null; hidden: string | null }>(
      `SELECT h.term, h.id, h.score, (SELECT s.version FROM lexical_stats s WHERE s.collection_id = $1) AS version,
              CASE WHEN h.term IS NULL THEN ${HIDDEN_FINGERPRINT_SQL} END AS hidden
         FROM (SELECT NULL::text AS term, NULL::bigint AS id, NULL::float8 AS score
               UNION ALL
               SELECT w.term, x.point_id, x.score
                 FROM unnest($2::text[]) AS w(term)
                CROSS JOIN LATERAL (
                      SELECT pt.point_id, ${termFactor('pt')} AS score
                        FROM point_terms pt
                       WHERE pt.collection_id = $1 AND pt.term = w.term AND ${notHiddenIdSql('pt.point_id', hidden.ids)}
                       ORDER BY 2 DESC, pt.point_id
                       LIMIT $3::int) x) h`,
      [query.collectionId, terms, int(limit), query.k1, query.b, query.avgdl],
    );
    const heads = new Map<string, Candidate[]>(terms.map((t) => [t, []]));
    let version = -1;
    let settled = true;
    for (const row of rows) {
      version = Number(row.version ?? -1);
      if (row.term === null) {
        settled = row.hidden === hidden.fingerprint;
        continue;
      }
      heads.get(row.term)?.push({ id: Number(row.id), score: Number(row.score) });
    }
    return { version: settled ? version : -1, heads };
  }

  /**
   * The collection's BM25 statistics and the document frequencies of `terms`, read in one statement
   * (one snapshot), so the df values belong to the returned version. The hidden points are read by
   * a statement before (see notHiddenIdSql); the statistics' statement also reads them, and when a
   * staged batch or a flip committed in between, it is read again with the ids it saw, so that
   * frequencies counted against another set are never cached under this version.
   */
  async lexicalStats(collectionId: number, terms: string[]): Promise<LexicalStats> {
    let hidden = await this.hiddenPointIds(collectionId);
    for (let attempt = 1; ; attempt++) {
      const { rows } = await this.reads.query<{ doc_count: number; total_length: number; version: number; df: Record<string, number> | null; hidden: string | null }>(
        `SELECT s.doc_count, s.total_length, s.version,
                (SELECT json_object_agg(x.term, x.df)
                   FROM (SELECT pt.term, count(*)::int AS df FROM point_terms pt
                          WHERE pt.collection_id = $1 AND pt.term = ANY($2::text[]) AND ${notHiddenIdSql('pt.point_id', hidden.ids)}
                          GROUP BY pt.term) x) AS df,
                ${HIDDEN_FINGERPRINT_SQL} AS hidden
           FROM lexical_stats s WHERE s.collection_id = $1`,
        [collectionId, terms],
      );
      const row = rows[0];
      if (!row) return { docCount: 0, totalLength: 0, version: -1, df: new Map(), settled: true };
      const settled = row.hidden === hidden.fingerprint;
      if (settled || attempt === STATS_ATTEMPTS) {
        return {
          docCount: Number(row.doc_count),
          totalLength: Number(row.total_length),
          version: Number(row.version),
          df: new Map(terms.map((t) => [t, row.df?.[t] ?? 0])),
          settled,
        };
      }
      hidden = await this.hiddenPointIds(collectionId);
    }
  }

  async pointsByIds(ids: number[]): Promise<HitPoint[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.reads.query<HitPointRow>(`SELECT ${POINT_COLUMNS} FROM points p WHERE p.id = ANY($1::bigint[]) AND ${visiblePointSql('p')}`, [ids]);
    return rows.map(toPoint);
  }

  /** Points of the same documents whose chunk_id lies in [lo, hi] (chunk diffusion). */
  async pointsInWindows(windows: Array<{ documentId: number; lo: number; hi: number }>): Promise<HitPoint[]> {
    if (windows.length === 0) return [];
    const { rows } = await this.reads.query<HitPointRow>(
      `SELECT ${POINT_COLUMNS}
         FROM unnest($1::bigint[], $2::int[], $3::int[]) AS w(document_id, lo, hi)
         JOIN points p ON p.document_id = w.document_id AND p.chunk_id BETWEEN w.lo AND w.hi
        WHERE ${visiblePointSql('p')}`,
      [windows.map((w) => w.documentId), windows.map((w) => w.lo), windows.map((w) => w.hi)],
    );
    return rows.map(toPoint);
  }

  async documentsByIds(ids: number[]): Promise<HitDocument[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.reads.query<HitDocumentRow>(
      `SELECT ${DOCUMENT_COLUMNS} FROM documents d WHERE d.id = ANY($1::bigint[]) AND d.status <> ${DELETING}`,
      [ids],
    );
    return rows.map(toDocument);
  }

  /**
   * One statement under planner/executor `settings` (name -> value, our own constants): SET LOCAL
   * in a transaction for those the connection does not already start with (createDb), or the bare
   * statement when none are left, which saves three round trips.
   */
  private async queryWith<T extends object>(settings: Record<string, string>, sql: string, params: unknown[]): Promise<T[]> {
    const needed = Object.entries(settings).filter(([name, value]) => this.reads.connectionSetting(name) !== value);
    if (needed.length === 0) return (await this.reads.query<T>(sql, params)).rows;
    return this.reads.transaction(async (tx) => {
      for (const [name, value] of needed) await tx.query(`SET LOCAL ${name} = ${value}`);
      return (await tx.query<T>(sql, params)).rows;
    });
  }

  /**
   * Row ids of the collection's points hidden from search (a version still being written or one
   * replaced and not yet deleted): posting-list reads leave them out. Empty almost always.
   */
  private hiddenPointIds(collectionId: number): Promise<HiddenPoints> {
    return this.hidden.of(collectionId, this.reads);
  }

  /** pgvector >= 0.8 has iterative index scans; PGlite's bundled build may be older. */
  private supportsIterativeScan(): Promise<boolean> {
    this.iterativeScan ??= this.db
      .query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'")
      .then(({ rows }) => {
        const [major, minor] = (rows[0]?.v ?? '0.0').split('.').map(Number);
        return major > 0 || minor >= 8;
      });
    return this.iterativeScan;
  }
}
