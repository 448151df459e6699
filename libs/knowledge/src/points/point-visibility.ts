/**
 * Which points reads may see (migrations/20261130144500_staged_points.sql): a point is hidden while
 * its (document, version) is listed in hidden_point_versions: a version still being written in
 * batches, or a replaced one waiting to be deleted.
 */

/**
 * SQL predicate: the point row `alias` is visible. The hidden table is read once per statement
 * (an InitPlan: a handful of rows at most) and the per-row check runs only for points of documents
 * listed there. Written as an OR on purpose: Postgres cannot turn it into a join, so an HNSW
 * `ORDER BY distance LIMIT k` plan keeps its shape.
 */
export function visiblePointSql(alias: string): string {
  return `(${alias}.document_id <> ALL (coalesce((SELECT array_agg(hv.document_id) FROM hidden_point_versions hv), '{}'::bigint[]))
          OR NOT EXISTS (SELECT 1 FROM hidden_point_versions hv WHERE hv.document_id = ${alias}.document_id AND hv.version = ${alias}.version))`;
}

/** The row ids of a collection's hidden points ($1 = collection id): postings carry only the point id. */
export const HIDDEN_POINT_IDS_SQL = `SELECT hp.id
   FROM hidden_point_versions hv
   JOIN points hp ON hp.document_id = hv.document_id AND hp.version = hv.version
  WHERE hv.collection_id = $1`;

/**
 * SQL predicate: the posting's point id (`column`) is not one of `hiddenIds`. The ids are written
 * into the statement as a constant array, because Postgres (15+) looks a constant `<> ALL` list up
 * in a hash table instead of scanning it for every posting; empty -> no predicate at all.
 */
export function notHiddenIdSql(column: string, hiddenIds: readonly number[]): string {
  if (hiddenIds.length === 0) return 'true';
  for (const id of hiddenIds) if (!Number.isSafeInteger(id)) throw new Error(`not a point id: ${id}`);
  return `${column} <> ALL ('{${hiddenIds.join(',')}}'::bigint[])`;
}
