import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, PermanentError } from '@fjord/common';
import { DB, Db } from '@fjord/database';
import { EmbeddingService } from '@fjord/embeddings';
import { IngestionJob } from '@fjord/jobs';
import { CollectionRepository } from '@fjord/knowledge/collections/collection.repository';
import { DocumentRecord, DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { IngestionProgress } from '@fjord/knowledge/documents/document-status';
import { NewPoint, PointRepository, pointIdOf } from '@fjord/knowledge/points/point.repository';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { MetricsService } from '@fjord/observability';
import { lexicalTerms } from '@fjord/text';
import { Chunk } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import { fetchDocument } from '../fetch/url-fetcher';
import { DocType } from '../parsers/doc-type';
import { ParserOverrunError, ParserSandbox } from '../sandbox/parser-sandbox';

/** Chunks embedded per step; progress is written between steps. */
const EMBED_STEP = 256;

export type IngestionOutcome = 'done' | 'skipped' | 'superseded';

/**
 * parse -> chunk -> embed -> write points, for one document version. Everything before the final
 * transaction is repeatable, and that transaction replaces the document's points only if this
 * version is still the newest, so a crash, a retry or a concurrent replacement never duplicates or
 * loses points.
 */
@Injectable()
export class IngestionPipeline {
  private readonly logger = new Logger(IngestionPipeline.name);

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly documents: DocumentRepository,
    private readonly collections: CollectionRepository,
    private readonly points: PointRepository,
    private readonly embeddings: EmbeddingService,
    private readonly vectorIndex: VectorIndexService,
    private readonly metrics: MetricsService,
    private readonly sandbox: ParserSandbox,
  ) {}

  async process(job: IngestionJob, attempt: { number: number; isLast: boolean }): Promise<IngestionOutcome> {
    const document = await this.documents.startProcessing(job.documentId, job.version, progress('parsing'));
    if (!document) return 'skipped';
    if (document.attempts > this.config.ingestion.maxAttempts) {
      // Only reachable when earlier attempts never reported back: the process was killed or crashed
      // while working on this document. Without this cap a poison document would loop forever.
      const reason = `gave up after ${document.attempts - 1} attempts that ended without a result (the process stopped while processing this document)`;
      await this.documents.markFailed(document.id, document.version, FailedCode.ParseLimit, reason);
      this.metrics.ingestionDocuments.inc({ outcome: 'failed' });
      throw new PermanentError(FailedCode.ParseLimit, reason);
    }
    try {
      const outcome = await this.run(document);
      this.metrics.ingestionDocuments.inc({ outcome });
      return outcome;
    } catch (error) {
      const permanent = error instanceof PermanentError;
      if (permanent || attempt.isLast) {
        const code = permanent ? error.failedCode : error instanceof DomainError ? FailedCode.EmbeddingFailed : FailedCode.Internal;
        const reason = permanent || error instanceof DomainError ? (error as Error).message : `internal error: ${(error as Error).message}`;
        await this.documents.markFailed(document.id, document.version, code, reason);
        this.metrics.ingestionDocuments.inc({ outcome: 'failed' });
        this.logger.warn({ documentId: document.id, version: document.version, code, reason }, 'document failed');
        throw permanent ? error : new PermanentError(code, reason);
      }
      await this.documents.requeue(document.id, document.version);
      throw error;
    }
  }

  private async run(document: DocumentRecord): Promise<IngestionOutcome> {
    const collection = await this.collections.findById(document.collectionId);
    if (!collection) return 'skipped';

    const bytes = await this.stage('fetching', () => this.content(document));
    const { chunks } = await this.stage('parsing', () => this.parse(document, bytes, collection.preprocessing));
    if (chunks.length === 0) throw new PermanentError(FailedCode.Empty, 'document has no text to index');

    const titled = chunks.map((chunk) => ({ ...chunk, title: chunk.title || document.docName }));
    const vectors = await this.stage('embedding', () => this.embed(document, titled));
    const newPoints: NewPoint[] = titled.map((chunk, i) => ({
      pointId: pointIdOf(document.docId, chunk.chunkId),
      chunkId: chunk.chunkId,
      chunkTitle: chunk.title,
      chunkType: 'text',
      content: chunk.content,
      tokenCount: chunk.tokenCount,
      embedding: vectors[i],
      lexicalTerms: lexicalTerms(`${chunk.title}\n${chunk.content}`, collection.lexicalAnalyzer),
    }));
    const totalTokens = titled.reduce((sum, c) => sum + c.tokenCount, 0);

    const committed = await this.stage('indexing', () =>
      this.db.transaction(async (tx) => {
        // Losing this commit in a crash is harmless: the document is still unfinished and gets redone.
        if (this.db.kind === 'postgres') await tx.query('SET LOCAL synchronous_commit = off');
        const current = await this.documents.lockById(document.id, tx);
        if (!current || current.version !== document.version) return false;
        await this.points.deleteByDocument(tx, document.id);
        await this.points.insertMany(tx, collection.id, document.id, newPoints);
        await this.documents.markDone(tx, document.id, {
          pointNum: newPoints.length,
          totalTokens,
          progress: { stage: 'done', chunks_done: newPoints.length, chunks_total: newPoints.length },
        });
        await this.documents.deleteContentsBefore(tx, document.id, document.version);
        return true;
      }),
    );
    if (!committed) return 'superseded';
    this.vectorIndex.maybeRebuild(collection.id);
    return 'done';
  }

  /** Parsing and chunking, in the sandbox; an overrun is retried up to PARSE_MAX_ATTEMPTS, then final. */
  private async parse(
    document: DocumentRecord,
    bytes: Buffer,
    preprocessing: { chunk_length: number; merge_small_chunks: boolean },
  ): Promise<{ chunks: Chunk[] }> {
    try {
      return await this.sandbox.parse(
        bytes,
        document.docType as DocType,
        { chunkLength: preprocessing.chunk_length, mergeSmallChunks: preprocessing.merge_small_chunks },
        {
          onProgress: (update) => {
            void this.documents
              .updateProgress(document.id, document.version, progress(update.stage, 0, 0, update))
              .catch((error: unknown) => this.logger.warn({ err: error, documentId: document.id }, 'progress update failed'));
          },
        },
      );
    } catch (error) {
      if (!(error instanceof ParserOverrunError)) throw error;
      this.logger.warn({ documentId: document.id, attempt: document.attempts, kind: error.kind, reason: error.message }, 'parser overrun');
      if (document.attempts >= this.config.parsing.maxAttempts) {
        const attempts = document.attempts === 1 ? '1 attempt' : `${document.attempts} attempts`;
        throw new PermanentError(FailedCode.ParseLimit, `${error.message} (${attempts})`);
      }
      throw error;
    }
  }

  private async content(document: DocumentRecord): Promise<Buffer> {
    const stored = await this.documents.content(document.id, document.version);
    if (stored) return stored;
    if (!document.url) throw new PermanentError(FailedCode.Internal, 'the document content is missing');
    await this.documents.updateProgress(document.id, document.version, progress('fetching'));
    const fetched = await fetchDocument(document.url, {
      allowPrivate: this.config.uploads.urlFetchAllowPrivate,
      timeoutMs: this.config.uploads.urlFetchTimeoutMs,
      maxBytes: this.config.uploads.maxBytes,
    });
    await this.documents.insertContent(document.id, document.version, fetched.bytes);
    return fetched.bytes;
  }

  private async embed(document: DocumentRecord, chunks: Chunk[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < chunks.length; start += EMBED_STEP) {
      const step = chunks.slice(start, start + EMBED_STEP);
      const { vectors: stepVectors } = await this.embeddings.embedDocuments(step.map((c) => `${c.title}\n${c.content}`));
      vectors.push(...stepVectors);
      if (chunks.length > EMBED_STEP) {
        await this.documents.updateProgress(document.id, document.version, progress('embedding', vectors.length, chunks.length));
      }
    }
    return vectors;
  }

  private async stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const stop = this.metrics.ingestionStageDuration.startTimer({ stage: name });
    try {
      return await fn();
    } finally {
      stop();
    }
  }
}

function progress(
  stage: IngestionProgress['stage'],
  done = 0,
  total = 0,
  pages?: { pagesDone: number; pagesTotal: number },
): IngestionProgress {
  return {
    stage,
    chunks_done: done,
    chunks_total: total,
    ...(pages && pages.pagesTotal > 0 ? { pages_done: pages.pagesDone, pages_total: pages.pagesTotal } : {}),
  };
}
