import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';
import { DomainError, ErrorCode } from '@fjord/common';
import { countTokens, lexicalTerms } from '@fjord/text';
import { CollectionRecord } from '../collections/collection.repository';
import { DocumentRecord, DocumentRepository } from '../documents/document.repository';
import { DocumentService } from '../documents/document.service';
import type { AddPointInput, ListPointsInput, PointRefInput, UpdatePointInput } from '../schemas/point.schema';
import { PointRecord, PointRepository, pointIdOf } from './point.repository';
import { VectorWrites, slotsOf } from '../embedding-migration/vector-writes';

export interface PointWithDocument {
  point: PointRecord;
  document: DocumentRecord;
}

@Injectable()
export class PointService {
  constructor(
    @Inject(DB) private readonly db: Db,
    private readonly points: PointRepository,
    private readonly documentRepository: DocumentRepository,
    private readonly documents: DocumentService,
    private readonly vectorWrites: VectorWrites,
  ) {}

  async list(input: ListPointsInput): Promise<{ collection: CollectionRecord; items: PointWithDocument[]; total: number }> {
    const collection = await this.documents.resolveCollection(input);
    const docs = input.doc_ids ? await Promise.all(input.doc_ids.map((id) => this.documentRepository.findByDocId(collection.id, id))) : undefined;
    const documentIds = docs?.filter((d): d is DocumentRecord => d !== undefined).map((d) => d.id);
    const { points, total } = await this.points.list(collection.id, {
      offset: input.offset,
      limit: input.limit,
      documentIds,
      pointIds: input.point_ids,
    });
    return { collection, items: await this.withDocuments(points), total };
  }

  async info(ref: PointRefInput): Promise<{ collection: CollectionRecord } & PointWithDocument> {
    const collection = await this.documents.resolveCollection(ref);
    const point = await this.find(collection, ref.point_id);
    const [item] = await this.withDocuments([point]);
    return { collection, ...item };
  }

  /** A hand-written chunk appended to a document, embedded and indexed at once. */
  async add(input: AddPointInput): Promise<{ collection: CollectionRecord } & PointWithDocument> {
    const collection = await this.documents.resolveCollection(input);
    const document = await this.documents.find(collection, input.doc_id);
    const tokenCount = countTokens(input.content);
    const pointId = await this.vectorWrites.write(collection.id, [input.content], async (tx, plan, vectors) => {
      await this.documentRepository.lockById(document.id, tx);
      const chunkId = await this.points.nextChunkId(tx, document.id);
      const id = pointIdOf(document.docId, chunkId);
      const [embedding] = vectors.active;
      const targetEmbedding = vectors.target?.[0];
      await this.points.insertMany(
        tx,
        collection.id,
        document.id,
        [{ pointId: id, chunkId, chunkTitle: input.chunk_title, chunkType: input.chunk_type, content: input.content, tokenCount, embedding, targetEmbedding, lexicalTerms: lexicalTerms(`${input.chunk_title}\n${input.content}`, collection.lexicalAnalyzer) }],
        slotsOf(plan, vectors),
      );
      await this.documentRepository.adjustPointStats(tx, document.id, 1, tokenCount);
      return id;
    });
    return this.info({ resource_id: collection.resourceId, project: collection.project, point_id: pointId });
  }

  async update(input: UpdatePointInput): Promise<void> {
    const collection = await this.documents.resolveCollection(input);
    const point = await this.find(collection, input.point_id);
    const chunkTitle = input.chunk_title ?? point.chunkTitle;
    const content = input.content ?? point.content;
    const tokenCount = countTokens(content);
    await this.vectorWrites.write(collection.id, [content], async (tx, plan, vectors) => {
      const changes = { chunkTitle, content, tokenCount, embedding: vectors.active[0], targetEmbedding: vectors.target?.[0], lexicalTerms: lexicalTerms(`${chunkTitle}\n${content}`, collection.lexicalAnalyzer) };
      await this.points.update(tx, point.id, changes, slotsOf(plan, vectors));
      await this.documentRepository.adjustPointStats(tx, point.documentId, 0, tokenCount - point.tokenCount);
    });
  }

  async delete(ref: PointRefInput): Promise<void> {
    const collection = await this.documents.resolveCollection(ref);
    const point = await this.find(collection, ref.point_id);
    await this.db.transaction(async (tx) => {
      await this.points.delete(tx, point.id);
      await this.documentRepository.adjustPointStats(tx, point.documentId, -1, -point.tokenCount);
    });
  }

  private async find(collection: CollectionRecord, pointId: string): Promise<PointRecord> {
    const point = await this.points.findByPointId(collection.id, pointId);
    if (!point) throw new DomainError(ErrorCode.PointNotFound, `point ${pointId} does not exist in collection ${collection.name}`);
    return point;
  }

  private async withDocuments(points: PointRecord[]): Promise<PointWithDocument[]> {
    const ids = [...new Set(points.map((p) => p.documentId))];
    const docs = new Map<number, DocumentRecord>();
    for (const id of ids) {
      const doc = await this.documentRepository.findById(id);
      if (doc) docs.set(id, doc);
    }
    return points.filter((p) => docs.has(p.documentId)).map((point) => ({ point, document: docs.get(point.documentId) as DocumentRecord }));
  }
}
