import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, PermanentError } from '@fjord/common';
import type { Queryable } from '@fjord/database';
import { IngestionJob } from '@fjord/jobs';
import { CollectionRecord, CollectionRepository } from '@fjord/knowledge/collections/collection.repository';
import { DocumentRecord, DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { IngestionProgress } from '@fjord/knowledge/documents/document-status';
import { DocumentPointsWriter, StagedVersion } from '@fjord/knowledge/points/document-points-writer';
import { NewPoint, pointIdOf } from '@fjord/knowledge/points/point.repository';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { VectorWritePlan, VectorWrites, slotsOf } from '@fjord/knowledge/embedding-migration/vector-writes';
import { MetricsService } from '@fjord/observability';
import { lexicalTerms } from '@fjord/text';
import { Chunk } from '../chunking/chunker';
import { FailedCode } from '../failed-code';
import { fetchDocument } from '../fetch/url-fetcher';
import { OcrEngine, OcrError, sharedBytes } from '@fjord/ocr';
import { DocType, isImageDocType } from '../parsers/doc-type';
import { ParserOverrunError, ParserSandbox } from '../sandbox/parser-sandbox';
import { ProgressReporter } from './progress-reporter';

export type IngestionOutcome = 'done' | 'skipped' | 'superseded';

/** A newer version of the document (or another attempt at this one) took over: stop quietly. */
class Superseded extends Error {}

/** The collection switched embedding models while the document was written: the attempt starts over. */
class ModelSwitched extends Error {
  constructor() {
    super('the collection switched embedding models while this document was written; it is written again');
  }
}

/**
 * parse -> chunk -> embed -> write points, for one document version, in batches. The batches stay
 * hidden until the flip that publishes the version (only if it is still the newest), so a crash, a
 * retry or a concurrent replacement never shows, duplicates or loses points.
 */
@Injectable()
export class IngestionPipeline {
  private readonly logger = new Logger(IngestionPipeline.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly documents: DocumentRepository,
    private readonly collections: CollectionRepository,
    private readonly writer: DocumentPointsWriter,
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
    const attemptState: { staged?: StagedVersion } = {};
    try {
      const outcome = await this.run(document, attemptState);
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
        if (attemptState.staged) await this.writer.discard(attemptState.staged).catch((e: unknown) => this.logger.warn({ err: e }, 'could not clear staged points'));
        throw permanent ? error : new PermanentError(code, reason);
      }
      // The next attempt clears this one's hidden batches before it writes its own.
      await this.documents.requeue(document.id, document.version);
      throw error;
    }
  }

  /**
   * Chunks stream from the parser in batches; each batch is embedded and written as its own short
   * transaction, hidden from search, and the version becomes searchable in one flip at the end
   * (DocumentPointsWriter). Neither this process nor the parser holds a whole document's chunks
   * and vectors at once.
   */
  private async run(document: DocumentRecord, attemptState: { staged?: StagedVersion }): Promise<IngestionOutcome> {
    const collection = await this.collections.findById(document.collectionId);
    if (!collection) return 'skipped';
    const reporter = new ProgressReporter(this.documents, document, this.logger);

    const staged = await this.writer.begin(document);
    if (!staged) return 'superseded';
    attemptState.staged = staged;

    const spooled = await this.stage('fetching', () => this.spoolContent(document, reporter));
    try {
      return await this.ingest(document, collection, staged, spooled, reporter);
    } finally {
      await rm(spooled.dir, { recursive: true, force: true });
    }
  }

  private async ingest(
    document: DocumentRecord,
    collection: CollectionRecord,
    staged: StagedVersion,
    file: { path: string },
    reporter: ProgressReporter,
  ): Promise<IngestionOutcome> {
    // One plan (models and vector columns) for the whole document; every batch and the flip check
    // that it still holds, and a switch in between makes the attempt start over (the embedding cache
    // makes that cheap).
    const plan = await this.vectorWrites.plan(collection.id);
    if (!plan) return 'skipped';
    const planHolds = (tx: Queryable) => this.vectorWrites.stillCurrent(tx, plan);
    const batchSize = this.config.ingestion.batchChunks;
    const pending: Chunk[] = [];
    let written = 0;
    let received = 0;
    let totalTokens = 0;
    // Stages overlap while chunks stream, so each one's time is summed and recorded once per document.
    const spent = { embedding: 0, indexing: 0 };
    const timed = async <T>(stage: keyof typeof spent, fn: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await fn();
      } finally {
        spent[stage] += performance.now() - started;
      }
    };
    const writeBatch = async (chunks: Chunk[]): Promise<void> => {
      const titled = chunks.map((chunk) => ({ ...chunk, title: chunk.title || document.docName }));
      const vectors = await timed('embedding', () => this.vectorWrites.embed(plan, titled.map((c) => `${c.title}\n${c.content}`)));
      const points: NewPoint[] = titled.map((chunk, i) => ({
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
      const stored = await timed('indexing', () => this.writer.writeBatch(staged, points, { slots: slotsOf(plan, vectors), stillValid: planHolds }));
      if (stored === 'invalid') throw new ModelSwitched();
      if (!stored) throw new Superseded();
      written += points.length;
      totalTokens += titled.reduce((sum, c) => sum + c.tokenCount, 0);
      await reporter.report('embedding', { chunksDone: written, chunksTotal: received });
    };
    const onChunks = async (chunks: Chunk[]): Promise<void> => {
      received += chunks.length;
      pending.push(...chunks);
      while (pending.length >= batchSize) await writeBatch(pending.splice(0, batchSize));
    };

    const parseStarted = performance.now();
    try {
      await this.parse(document, file, collection.preprocessing, reporter, onChunks);
      if (pending.length > 0) await writeBatch(pending.splice(0));
    } catch (error) {
      if (error instanceof Superseded) return 'superseded';
      throw error;
    }
    if (written === 0) throw new PermanentError(FailedCode.Empty, 'document has no text to index');
    const parseSeconds = (performance.now() - parseStarted - spent.embedding - spent.indexing) / 1000;

    const published = await timed('indexing', () =>
      this.writer.publish(
        staged,
        written,
        { pointNum: written, totalTokens, progress: reporter.snapshot('done', { chunksDone: written, chunksTotal: written }) },
        planHolds,
      ),
    );
    this.metrics.ingestionStageDuration.observe({ stage: 'parsing' }, Math.max(0, parseSeconds));
    this.metrics.ingestionStageDuration.observe({ stage: 'embedding' }, spent.embedding / 1000);
    this.metrics.ingestionStageDuration.observe({ stage: 'indexing' }, spent.indexing / 1000);
    if (published === 'invalid') throw new ModelSwitched();
    if (!published) return 'superseded';
    // The replaced version is hidden already: deleting it is housekeeping, done after the job has
    // finished (so a new job for the document is never taken for this one), and recovery finishes it
    // after a crash.
    void this.writer.purgeStale(document.id).catch((error: unknown) => this.logger.warn({ err: error, documentId: document.id }, 'could not delete the replaced points yet'));
    this.vectorIndex.maybeRebuild(collection.id);
    return 'done';
  }

  /**
   * Parsing and chunking, in the sandbox, with chunks handed to `onChunks` as they come; images,
   * and PDF pages without a text layer, go through the OCR stage first. A parser overrun is
   * retried up to PARSE_MAX_ATTEMPTS, then final.
   */
  private async parse(
    document: DocumentRecord,
    file: { path: string },
    preprocessing: { chunk_length: number; merge_small_chunks: boolean },
    reporter: ProgressReporter,
    onChunks: (chunks: Chunk[]) => Promise<void>,
  ): Promise<void> {
    const docType = document.docType as DocType;
    const chunkOptions = { chunkLength: preprocessing.chunk_length, mergeSmallChunks: preprocessing.merge_small_chunks };
    const parseWith = (ocrText?: Record<number, string>) =>
      this.sandbox.parse(file, docType, chunkOptions, { onProgress: (update) => void reporter.report(update.stage), onChunks }, ocrText);
    try {
      // OCR reads the whole file in this process (images and scans are small next to what the parser streams).
      let ocrText = isImageDocType(docType) ? await this.recognize(await readFile(file.path), 'image', [], reporter) : undefined;
      await reporter.report('parsing');
      let result = await parseWith(ocrText);
      if (result.kind === 'needs-ocr') {
        ocrText = await this.recognize(await readFile(file.path), 'pdf', result.pages, reporter);
        await reporter.report('parsing');
        result = await parseWith(ocrText);
      }
      if (result.kind === 'needs-ocr') throw new Error('the parser asked for OCR of pages that were already recognised');
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

  /**
   * The version's bytes in a temporary file, copied from the database a slice at a time (or fetched
   * from its URL and stored first): the parser process reads the file, so this process never holds
   * a large document whole.
   */
  private async spoolContent(document: DocumentRecord, reporter: ProgressReporter): Promise<{ dir: string; path: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'fjord-doc-'));
    const path = join(dir, 'content');
    try {
      const handle = await open(path, 'w');
      let stored: boolean;
      try {
        stored = await this.documents.copyContent(document.id, document.version, async (slice) => {
          await handle.write(slice);
        });
      } finally {
        await handle.close();
      }
      if (stored) return { dir, path };
      if (!document.url) throw new PermanentError(FailedCode.Internal, 'the document content is missing');
      await reporter.report('fetching');
      const fetched = await fetchDocument(document.url, {
        allowPrivate: this.config.uploads.urlFetchAllowPrivate,
        timeoutMs: this.config.uploads.urlFetchTimeoutMs,
        maxBytes: this.config.uploads.maxBytes,
      });
      await this.documents.insertContent(document.id, document.version, fetched.bytes);
      await writeFile(path, fetched.bytes);
      return { dir, path };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
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
