import { ProcessStatus, type CollectionRecord, type CollectionSummary, type DocumentRecord, type DocumentStatusSummary, type EmbeddingMigration, type PointRecord } from '@fjord/knowledge';
import { defaultDenseWeight } from '@fjord/search';

/**
 * Records -> Viking wire shapes (api.md section 1). Times: doc create/update in ms, as Viking does;
 * collection times in ms as well (documented in the README).
 */

export function collectionInfo(c: CollectionSummary) {
  return {
    collection_name: c.name,
    resource_id: c.resourceId,
    project: c.project,
    description: c.description,
    doc_num: c.docNum,
    point_num: c.pointNum,
    create_time: c.createdAt.getTime(),
    update_time: c.updatedAt.getTime(),
    data_type: c.dataType,
    preprocessing: c.preprocessing,
    fields: c.fields,
    default_dense_weight: defaultDenseWeight(c.embeddingModel),
    pipeline_list: [
      {
        index_list: [
          {
            index_type: c.indexType,
            index_config: {
              fields: c.fields,
              embedding_model: c.embeddingModel,
              embedding_dimension: c.embeddingDimension,
              quant: c.quant ?? 'float',
            },
            status: 'ready',
          },
        ],
      },
    ],
    ...(c.embeddingMigration ? { embedding_migration: embeddingMigration(c.embeddingMigration) } : {}),
  };
}

export function embeddingMigration(m: EmbeddingMigration) {
  return {
    source_model: m.sourceModel,
    target_model: m.targetModel,
    status: m.status,
    stage: m.stage,
    points_done: m.pointsDone,
    points_total: Math.max(m.pointsTotal, m.pointsDone),
    started_at: m.startedAt.toISOString(),
    ...(m.finishedAt ? { finished_at: m.finishedAt.toISOString() } : {}),
    ...(m.failedReason !== null ? { failed_reason: m.failedReason } : {}),
  };
}

export function collectionRef(c: CollectionRecord) {
  return { resource_id: c.resourceId, name: c.name, project: c.project };
}

export function docRef(c: CollectionRecord, d: DocumentRecord) {
  return { collection_name: c.name, resource_id: c.resourceId, doc_id: d.docId };
}

export function docInfo(c: CollectionRecord, d: DocumentRecord) {
  return {
    collection_name: c.name,
    doc_id: d.docId,
    doc_name: d.docName,
    doc_type: d.docType,
    doc_hash: d.docHash ?? '',
    add_type: d.addType,
    create_time: d.createdAt.getTime(),
    update_time: d.updatedAt.getTime(),
    ...(d.url ? { url: d.url } : {}),
    point_num: d.pointNum,
    total_tokens: d.totalTokens,
    status: {
      process_status: d.status,
      ...(d.failedCode !== null ? { failed_code: d.failedCode } : {}),
      ...(d.failedReason !== null ? { failed_reason: d.failedReason } : {}),
    },
    meta: JSON.stringify(d.meta),
    ...(d.progress ? { progress: d.progress } : {}),
  };
}

/** The doc_info block embedded in points and search results (create_time in seconds there). */
export function pointDocInfo(d: Pick<DocumentRecord, 'docId' | 'docName' | 'docType' | 'addType' | 'meta' | 'createdAt'>) {
  return {
    doc_id: d.docId,
    doc_name: d.docName,
    create_time: Math.floor(d.createdAt.getTime() / 1000),
    doc_type: d.docType,
    doc_meta: JSON.stringify(d.meta),
    source: d.addType,
    title: d.docName,
  };
}

export function pointInfo(c: CollectionRecord, p: PointRecord, d: DocumentRecord) {
  return {
    point_id: p.pointId,
    collection_name: c.name,
    doc_info: pointDocInfo(d),
    chunk_id: p.chunkId,
    chunk_title: p.chunkTitle,
    chunk_type: p.chunkType,
    content: p.content,
    ...(p.position ? { position: p.position } : {}),
    process_time: p.createdAt.getTime(),
    update_time: p.updatedAt.getTime(),
  };
}

/** Counts by process_status under readable names (0 done, 1 failed, 2 queued, 5 deleting, 6 processing). */
function emptyStatusCount() {
  return { queued: 0, processing: 0, done: 0, failed: 0, deleting: 0 };
}

const STATUS_NAMES: Record<ProcessStatus, keyof ReturnType<typeof emptyStatusCount>> = {
  [ProcessStatus.Queued]: 'queued',
  [ProcessStatus.Processing]: 'processing',
  [ProcessStatus.Done]: 'done',
  [ProcessStatus.Failed]: 'failed',
  [ProcessStatus.Deleting]: 'deleting',
};

/** (ext) doc/status_summary: totals, the same per collection that has documents, and the latest failures. */
export function docStatusSummary(summary: DocumentStatusSummary) {
  const total = emptyStatusCount();
  const byCollection = new Map<string, { collection_name: string; resource_id: string; project: string; status_count: ReturnType<typeof emptyStatusCount>; total_num: number }>();
  for (const row of summary.counts) {
    const name = STATUS_NAMES[row.status];
    if (!name) continue;
    let entry = byCollection.get(row.resourceId);
    if (!entry) {
      entry = { collection_name: row.collectionName, resource_id: row.resourceId, project: row.project, status_count: emptyStatusCount(), total_num: 0 };
      byCollection.set(row.resourceId, entry);
    }
    entry.status_count[name] += row.count;
    entry.total_num += row.count;
    total[name] += row.count;
  }
  return {
    status_count: total,
    total_num: Object.values(total).reduce((n, c) => n + c, 0),
    collection_list: [...byCollection.values()],
    recent_failures: summary.recentFailures.map(({ document: d, resourceId, collectionName, project }) => ({
      collection_name: collectionName,
      resource_id: resourceId,
      project,
      doc_id: d.docId,
      doc_name: d.docName,
      doc_type: d.docType,
      failed_code: d.failedCode,
      failed_reason: d.failedReason,
      attempts: d.attempts,
      update_time: d.updatedAt.getTime(),
    })),
  };
}
