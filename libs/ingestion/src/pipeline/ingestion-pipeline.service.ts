import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, PermanentError } from '@fjord/common';
import { DB, Db } from '@fjord/database';
import { IngestionJob } from '@fjord/jobs';
import { CollectionRepository } from '@fjord/knowledge/collections/collection.repository';
import { DocumentRecord, DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { IngestionProgress } from '@fjord/knowledge/documents/document-status';
import { NewPoint, PointRepository, pointIdOf } from '@fjord/knowledge/points/point.repository';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { PlannedVectors, VectorWritePlan, VectorWrites, slotsOf } from '@fjord/knowledge/embedding-migration/vector-writes';
import { MetricsService } from '@fjord/observability';
import { lexicalTerms } from '@fjord/text';
import { Chunk } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import { fetchDocument } from '../fetch/url-fetcher';
import { OcrEngine, OcrError, sharedBytes } from '@fjord/ocr';
import { DocType, isImageDocType } from '../parsers/doc-type';
import { ParserOverrunError, ParserSandbox } from '../sandbox/parser-sandbox';
import { ProgressReporter } from './progress-reporter';

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
    private readonly vectorWrites: VectorWrites,
    private readonly vectorIndex: VectorIndexService,
    private readonly metrics: MetricsService,
    private readonly sandbox: ParserSandbox,
    private readonly ocr: OcrEngine,
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
    const reporter = new ProgressReporter(this.documents, document, this.logger);

    const bytes = await this.stage('fetching', () => this.content(document, reporter));
    const chunks = await this.stage('parsing', () => this.parse(document, bytes, collection.preprocessing, reporter));
    if (chunks.length === 0) throw new PermanentError(FailedCode.Empty, 'document has no text to index');

    const titled = chunks.map((chunk) => ({ ...chunk, title: chunk.title || document.docName }));
    const totalTokens = titled.reduce((sum, c) => sum + c.tokenCount, 0);
    // Embedded again only when the collection switched embedding models between embedding and commit.
    let committed: boolean | 'replan' = 'replan';
    for (let planned = 0; committed === 'replan'; planned++) {
      if (planned === 3) throw new Error('the collection kept switching embedding models while this document was written');
      const plan = await this.vectorWrites.plan(collection.id);
      if (!plan) return 'skipped';
      const vectors = await this.stage('embedding', () => this.embed(plan, titled, reporter));
      const newPoints: NewPoint[] = titled.map((chunk, i) => ({
        pointId: pointIdOf(document.docId, chunk.chunkId),
        chunkId: chunk.chunkId,
        chunkTitle: chunk.title,
        chunkType: 'text',
        content: chunk.content,
        tokenCount: chunk.tokenCount,
        embedding: vectors.active[i],
        ...(vectors.target ? { targetEmbedding: vectors.target[i] } : {}),
        lexicalTerms: lexicalTerms(`${chunk.title}\n${chunk.content}`, collection.lexicalAnalyzer),
        ...(chunk.position ? { position: chunk.position } : {}),
      }));
      committed = await this.stage('indexing', () =>
        this.db.transaction(async (tx): Promise<boolean | 'replan'> => {
          // Losing this commit in a crash is harmless: the document is still unfinished and gets redone.
          if (this.db.kind === 'postgres') await tx.query('SET LOCAL synchronous_commit = off');
          const current = await this.documents.lockById(document.id, tx);
          if (!current || current.version !== document.version) return false;
          if (!(await this.vectorWrites.stillCurrent(tx, plan))) return 'replan';
          await this.points.deleteByDocument(tx, document.id);
          await this.points.insertMany(tx, collection.id, document.id, newPoints, slotsOf(plan, vectors));
          await this.documents.markDone(tx, document.id, {
            pointNum: newPoints.length,
            totalTokens,
            progress: reporter.snapshot('done', { chunksDone: newPoints.length, chunksTotal: newPoints.length }),
          });
          await this.documents.deleteContentsBefore(tx, document.id, document.version);
          return true;
        }),
      );
    }
    if (!committed) return 'superseded';
    this.vectorIndex.maybeRebuild(collection.id);
    return 'done';
  }

  /**
   * Parsing and chunking, in the sandbox; images, and PDF pages without a text layer, go through
   * the OCR stage first. A parser overrun is retried up to PARSE_MAX_ATTEMPTS, then final.
   */
  private async parse(
    document: DocumentRecord,
    bytes: Buffer,
    preprocessing: { chunk_length: number; merge_small_chunks: boolean },
    reporter: ProgressReporter,
  ): Promise<Chunk[]> {
    const docType = document.docType as DocType;
    const chunkOptions = { chunkLength: preprocessing.chunk_length, mergeSmallChunks: preprocessing.merge_small_chunks };
    const parseWith = (ocrText?: Record<number, string>) =>
      this.sandbox.parse(bytes, docType, chunkOptions, { onProgress: (update) => void reporter.report(update.stage) }, ocrText);
    try {
      let ocrText = isImageDocType(docType) ? await this.recognize(bytes, 'image', [], reporter) : undefined;
      await reporter.report('parsing');
      let result = await parseWith(ocrText);
      if (result.kind === 'needs-ocr') {
        ocrText = await this.recognize(bytes, 'pdf', result.pages, reporter);
        await reporter.report('parsing');
        result = await parseWith(ocrText);
      }
      if (result.kind === 'needs-ocr') throw new Error('the parser asked for OCR of pages that were already recognised');
      return result.chunks;
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

  /**
   * The OCR stage: pages recognised in OCR worker threads (OCR_CONCURRENCY across all documents),
   * a few at a time per document so one long scan cannot hold every thread's queue.
   */
  private async recognize(bytes: Buffer, source: 'image' | 'pdf', pdfPages: number[], reporter: ProgressReporter): Promise<Record<number, string>> {
    const availability = await this.ocr.availability();
    const what = source === 'image' ? 'this image' : `${pdfPages.length} page${pdfPages.length === 1 ? '' : 's'} of this PDF without a text layer`;
    if (!availability.available) throw new PermanentError(FailedCode.Unsupported, `${what} need${source === 'image' ? 's' : ''} OCR, which is not available: ${availability.reason}`);
    const shared = sharedBytes(bytes);
    try {
      const pages = source === 'image' ? range(await this.ocr.imagePageCount(shared)) : pdfPages;
      const text: Record<number, string> = {};
      let done = 0;
      await reporter.report('ocr', { pagesDone: 0, pagesTotal: pages.length });
      const inFlight = Math.max(1, this.config.ocr.concurrency);
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < pages.length) {
          const page = pages[next++];
          const result = source === 'image' ? await this.ocr.recognize(shared, { page }) : await this.ocr.recognizePdfPage(shared, page);
          text[page] = result.text;
          done++;
          await reporter.report('ocr', { pagesDone: done, pagesTotal: pages.length });
        }
      };
      await Promise.all(Array.from({ length: Math.min(inFlight, pages.length) }, lane));
      return text;
    } catch (error) {
      if (error instanceof OcrError && error.permanent) throw new PermanentError(FailedCode.Unsupported, `OCR failed: ${error.message}`);
      throw error;
    }
  }

  private async content(document: DocumentRecord, reporter: ProgressReporter): Promise<Buffer> {
    const stored = await this.documents.content(document.id, document.version);
    if (stored) return stored;
    if (!document.url) throw new PermanentError(FailedCode.Internal, 'the document content is missing');
    await reporter.report('fetching');
    const fetched = await fetchDocument(document.url, {
      allowPrivate: this.config.uploads.urlFetchAllowPrivate,
      timeoutMs: this.config.uploads.urlFetchTimeoutMs,
      maxBytes: this.config.uploads.maxBytes,
    });
    await this.documents.insertContent(document.id, document.version, fetched.bytes);
    return fetched.bytes;
  }

  /** Embeds with the collection's model and, while it migrates, with the migration's target too. */
  private async embed(plan: VectorWritePlan, chunks: Chunk[], reporter: ProgressReporter): Promise<PlannedVectors> {
    const vectors: PlannedVectors = { active: [], ...(plan.target ? { target: [] } : {}) };
    for (let start = 0; start < chunks.length; start += EMBED_STEP) {
      const step = chunks.slice(start, start + EMBED_STEP);
      const stepVectors = await this.vectorWrites.embed(plan, step.map((c) => `${c.title}\n${c.content}`));
      vectors.active.push(...stepVectors.active);
      // One failed target step leaves the whole document to the migration's catching up.
      if (vectors.target && stepVectors.target) vectors.target.push(...stepVectors.target);
      else delete vectors.target;
      await reporter.report('embedding', { chunksDone: vectors.active.length, chunksTotal: chunks.length });
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

function progress(stage: IngestionProgress['stage']): IngestionProgress {
  return { stage, chunks_done: 0, chunks_total: 0, stage_started_at: new Date().toISOString() };
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}
