import type { Queryable } from '@fjord/database';

/**
 * Which points reads may see (migrations/20261130144500_staged_points.sql): a point is hidden while
 * its (document, version) is listed in hidden_point_versions: a version still being written in
 * batches, or a replaced one waiting to be deleted.
 */

/**
 * SQL predicate: the point row `alias` is visible. The hidden table (a handful of rows) is read once
 * per statement into a hashed SubPlan, so each row costs one hash probe: an EXISTS probed per row
 * cost a second per 10k rows of a staged version scanned by the exact tail of a dense search.
 * NOT IN on purpose: Postgres never turns it into an anti-join, so an HNSW `ORDER BY distance
 * LIMIT k` plan keeps its shape (both columns are NOT NULL, so NOT IN has no NULL surprises).
 */
export function visiblePointSql(alias: string): string {
  return `((${alias}.document_id, ${alias}.version) NOT IN (SELECT hv.document_id, hv.version FROM hidden_point_versions hv))`;
}

/**
 * SQL expression ($1 = collection id): a fingerprint of the collection's hidden points as one
 * statement sees them: the hidden (document, version) pairs, how many points they hold and the sum
 * of their ids. Equal fingerprints mean the same set (ids only grow, and a changed pair list or
 * count or sum shows every other change), and it costs one index-only pass, not the ids themselves.
 */
export const HIDDEN_FINGERPRINT_SQL = `(SELECT coalesce(string_agg(hv.document_id || ':' || hv.version, ',' ORDER BY hv.document_id, hv.version), '')
           || '|' || (SELECT count(*) || ':' || coalesce(sum(hp.id), 0)
                        FROM hidden_point_versions h2 JOIN points hp ON hp.document_id = h2.document_id AND hp.version = h2.version
                       WHERE h2.collection_id = $1)
      FROM hidden_point_versions hv WHERE hv.collection_id = $1)`;

/**
 * One statement ($1 = collection id, $2 = a point id): the fingerprint, and the ids of the hidden
 * points above $2 (all of them for $2 = 0), in one snapshot. A first row with a NULL id carries the
 * fingerprint even when no id qualifies.
 */
const HIDDEN_POINTS_SQL = `SELECT ${HIDDEN_FINGERPRINT_SQL} AS fingerprint, d.id
  FROM (SELECT NULL::bigint AS id
        UNION ALL
        SELECT hp.id FROM hidden_point_versions hv JOIN points hp ON hp.document_id = hv.document_id AND hp.version = hv.version
         WHERE hv.collection_id = $1 AND hp.id > $2) d`;

/** A collection's hidden points as one statement saw them. */
export interface HiddenPoints {
  /** Sorted ascending. */
  ids: readonly number[];
  /** HIDDEN_FINGERPRINT_SQL's value in that statement. */
  fingerprint: string;
}

const NOTHING_HIDDEN: HiddenPoints = { ids: [], fingerprint: '|0:0' };

/** Collections whose hidden set is remembered; beyond it the least recently used is dropped. */
const MAX_TRACKED_COLLECTIONS = 64;

/**
 * The row ids of each collection's hidden points, for posting-list reads (postings carry only the
 * point id). While a large document is staged these are tens of thousands of ids, and every search
 * needs them. Re-reading them all per statement cost more than the search itself on PGlite, so the
 * last set is kept and each call reads only the ids above its largest one. It is used only when the
 * statement that read them confirms it whole: the remembered ids plus the new ones give the
 * fingerprint that statement computed. Anything else (a flip, a version hidden or deleted, or ids
 * committed out of order by concurrent writers on PostgreSQL) reads the full set.
 */
export class HiddenPointIds {
  private readonly sets = new Map<number, HiddenPoints & { sum: bigint }>();

  async of(collectionId: number, db: Pick<Queryable, 'query'>): Promise<HiddenPoints> {
    const known = this.sets.get(collectionId);
    const above = known && known.ids.length > 0 ? known.ids[known.ids.length - 1] : 0;
    let read = await readHidden(db, collectionId, above);
    let ids: readonly number[];
    let sum: bigint;
    if (known && above > 0 && read.fingerprint === fingerprintOf(read.versions, known.ids.length + read.ids.length, known.sum + read.sum)) {
      ids = read.ids.length === 0 ? known.ids : known.ids.concat(read.ids);
      sum = known.sum + read.sum;
    } else {
      if (above > 0) read = await readHidden(db, collectionId, 0);
      ids = read.ids;
      sum = read.sum;
    }
    this.sets.delete(collectionId);
    if (read.versions === '') return NOTHING_HIDDEN;
    const hidden = { ids, fingerprint: read.fingerprint, sum };
    this.sets.set(collectionId, hidden);
    if (this.sets.size > MAX_TRACKED_COLLECTIONS) this.sets.delete(this.sets.keys().next().value as number);
    return hidden;
  }
}

function fingerprintOf(versions: string, count: number, sum: bigint): string {
  return `${versions}|${count}:${sum}`;
}

async function readHidden(db: Pick<Queryable, 'query'>, collectionId: number, above: number): Promise<{ fingerprint: string; versions: string; ids: number[]; sum: bigint }> {
  const { rows } = await db.query<{ fingerprint: string | null; id: number | null }>(HIDDEN_POINTS_SQL, [collectionId, above]);
  const fingerprint = rows[0]?.fingerprint ?? NOTHING_HIDDEN.fingerprint;
  const ids: number[] = [];
  let sum = 0n;
  for (const row of rows) {
    if (row.id === null) continue;
    ids.push(Number(row.id));
    sum += BigInt(row.id);
  }
  ids.sort((x, y) => x - y);
  return { fingerprint, versions: fingerprint.slice(0, fingerprint.lastIndexOf('|')), ids, sum };
}

/** Runs of consecutive ids at least this long are written as a range rather than listed. */
const MIN_RANGE = 16;
/** More ranges than this and the list alone is cheaper to test per posting. */
const MAX_RANGES = 32;

/**
 * SQL predicate: the posting's point id (`column`) is not one of `hiddenIds` (sorted ascending). A
 * staged version's ids are mostly one run of consecutive ids (each batch is one INSERT), so runs are
 * written as BETWEEN ranges and only the scattered rest as a constant `<> ALL` list, which Postgres
 * (15+) looks up in a hash table; 29k ids written out made each statement 200 KB to parse. Empty ->
 * no predicate at all.
 */
export function notHiddenIdSql(column: string, hiddenIds: readonly number[]): string {
  if (hiddenIds.length === 0) return 'true';
  for (const id of hiddenIds) if (!Number.isSafeInteger(id)) throw new Error(`not a point id: ${id}`);
  const ranges: Array<[number, number]> = [];
  const listed: number[] = [];
  for (let i = 0; i < hiddenIds.length; ) {
    let j = i;
    while (j + 1 < hiddenIds.length && hiddenIds[j + 1] === hiddenIds[j] + 1) j++;
    if (j - i + 1 >= MIN_RANGE) ranges.push([hiddenIds[i], hiddenIds[j]]);
    else for (let k = i; k <= j; k++) listed.push(hiddenIds[k]);
    i = j + 1;
  }
  if (ranges.length > MAX_RANGES) return `${column} <> ALL ('{${hiddenIds.join(',')}}'::bigint[])`;
  const tests = ranges.map(([lo, hi]) => `${column} BETWEEN ${lo} AND ${hi}`);
  if (listed.length > 0) tests.push(`${column} = ANY ('{${listed.join(',')}}'::bigint[])`);
  return `NOT (${tests.join(' OR ')})`;
}
