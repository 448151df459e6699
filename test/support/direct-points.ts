import type { INestApplication } from '@nestjs/common';
import { DB, Db } from '@fjord/database';
import { LocalHashEmbedder } from '@fjord/embeddings';
import { CollectionRecord } from '@fjord/knowledge/collections/collection.repository';
import { CollectionService } from '@fjord/knowledge/collections/collection.service';
import { DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { PointRepository, pointIdOf } from '@fjord/knowledge/points/point.repository';
import { LATEST_LEXICAL_ANALYZER, lexicalTerms } from '@fjord/text';

/**
 * Large corpora for search tests without the ingestion pipeline: a collection created in process
 * and documents whose chunks are written exactly as the pipeline commits them (points, BM25
 * postings through the triggers, the document marked done), minus parsing, chunking and queueing.
 */
export function createCollectionDirect(app: INestApplication, name: string): Promise<CollectionRecord> {
  return app.get(CollectionService).create({
    name,
    project: 'default',
    description: '',
    data_type: 'unstructured_data',
    preprocessing: { chunking_strategy: 'custom_balance', chunk_length: 500, merge_small_chunks: true },
    index: { index_type: 'hnsw_hybrid', index_config: { fields: [] } },
  });
}

/** One document whose chunk i has content `chunks[i]` (no title), embedded by `embedder`. */
export async function writeDocumentDirect(app: INestApplication, collectionId: number, docId: string, chunks: string[], embedder: LocalHashEmbedder): Promise<void> {
  const documents = app.get(DocumentRepository);
  const doc = await documents.saveVersion({ collectionId, docId, docName: docId, docType: 'txt', addType: 'text', url: null, meta: [], docHash: null }, undefined);
  const points = chunks.map((content, c) => ({
    pointId: pointIdOf(docId, c),
    chunkId: c,
    chunkTitle: '',
    chunkType: 'text',
    content,
    tokenCount: content.split(' ').length,
    embedding: embedder.embedText(content),
    lexicalTerms: lexicalTerms(content, LATEST_LEXICAL_ANALYZER),
  }));
  await app.get<Db>(DB).transaction(async (tx) => {
    await app.get(PointRepository).insertMany(tx, collectionId, doc.id, points);
    const tokens = points.reduce((sum, p) => sum + p.tokenCount, 0);
    await documents.markDone(tx, doc.id, { pointNum: points.length, totalTokens: tokens, progress: { stage: 'done', chunks_done: points.length, chunks_total: points.length } });
  });
}
