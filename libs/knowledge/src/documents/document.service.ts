import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { assertFetchableUrl } from '@fjord/ingestion/fetch/url-guard';
import { SUPPORTED_DOC_TYPES, docTypeFromFileName, isSupportedDocType } from '@fjord/ingestion/parsers/doc-type';
import { INGESTION_QUEUE, IngestionQueue } from '@fjord/jobs';
import { CollectionRecord } from '../collections/collection.repository';
import { CollectionService } from '../collections/collection.service';
import type { CollectionRefInput, MetaEntry } from '../schemas/common.schema';
import type { AddDocumentInput, DocRefInput, DocStatusSummaryInput, ListDocumentsInput, UploadDocumentInput } from '../schemas/document.schema';
import { CollectionStatusCount, DocumentRecord, DocumentRepository, FailedDocument, NewDocumentVersion } from './document.repository';
import { ProcessStatus } from './document-status';
import { validateMeta } from './meta-validation';

export interface UploadedFile {
  originalname: string;
  buffer: Buffer;
  size: number;
}

export interface DocumentStatusSummary {
  counts: CollectionStatusCount[];
  recentFailures: FailedDocument[];
}

export interface DocumentWithCollection {
  collection: CollectionRecord;
  document: DocumentRecord;
}

/** Text added inline is one of the textual types; binary formats only arrive as files or URLs. */
const TEXT_DOC_TYPES = new Set(['txt', 'md', 'markdown', 'html', 'csv', 'json']);

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function generatedDocId(): string {
  return `_sys_auto_gen_doc_id-${randomBytes(8).toString('hex')}`;
}

function supportedDocType(docType: string | undefined, param: string): string {
  if (docType === undefined || !isSupportedDocType(docType)) {
    throw DomainError.invalid(
      docType === undefined
        ? `doc_type could not be inferred; give one of ${SUPPORTED_DOC_TYPES.join(', ')}`
        : `doc_type ${docType} is not supported; supported: ${SUPPORTED_DOC_TYPES.join(', ')}`,
      param,
    );
  }
  return docType;
}

@Injectable()
export class DocumentService {
  constructor(
    private readonly documents: DocumentRepository,
    private readonly collections: CollectionService,
    @Inject(INGESTION_QUEUE) private readonly queue: IngestionQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async add(input: AddDocumentInput): Promise<DocumentWithCollection> {
    const collection = await this.collections.resolve(input);
    const meta = validateMeta(input.meta ?? [], collection.fields);
    if (input.add_type === 'text') {
      // Text named like a Markdown, HTML, CSV or JSON file is read as one; anything else stays plain text.
      const fromName = input.doc_name ? docTypeFromFileName(input.doc_name) : undefined;
      const docType = supportedDocType(input.doc_type ?? (fromName && TEXT_DOC_TYPES.has(fromName) ? fromName : 'txt'), 'doc_type');
      if (!TEXT_DOC_TYPES.has(docType)) throw DomainError.invalid(`add_type text cannot carry doc_type ${docType}; upload the file instead`, 'doc_type');
      const bytes = Buffer.from(input.content as string, 'utf8');
      this.assertSize(bytes.length);
      const docId = input.doc_id ?? generatedDocId();
      return this.save(collection, { docId, docName: input.doc_name ?? docId, docType, addType: 'text', url: null, meta }, bytes, input.dedup);
    }
    const url = await assertFetchableUrl(input.url as string, this.config.uploads.urlFetchAllowPrivate);
    const fromPath = docTypeFromFileName(url.pathname);
    const docType = supportedDocType(input.doc_type ?? fromPath ?? 'html', 'doc_type');
    const docId = input.doc_id ?? generatedDocId();
    const docName = input.doc_name ?? (decodeURIComponent(url.pathname.split('/').pop() ?? '') || url.hostname);
    return this.save(collection, { docId, docName, docType, addType: 'url', url: url.toString(), meta }, undefined, false);
  }

  async upload(input: UploadDocumentInput, file: UploadedFile | undefined): Promise<DocumentWithCollection> {
    if (!file) throw new DomainError(ErrorCode.MissingParameter, 'file is required (multipart field "file")', { param: 'file' });
    this.assertSize(file.size);
    const collection = await this.collections.resolve(input);
    const meta = validateMeta(input.meta ?? [], collection.fields);
    const docType = supportedDocType(input.doc_type ?? docTypeFromFileName(file.originalname), 'doc_type');
    if (file.size === 0) throw DomainError.invalid('file is empty', 'file');
    const docId = input.doc_id ?? generatedDocId();
    return this.save(collection, { docId, docName: input.doc_name ?? file.originalname, docType, addType: 'file', url: null, meta }, file.buffer, input.dedup);
  }

  async info(ref: DocRefInput): Promise<DocumentWithCollection> {
    const collection = await this.collections.resolve(ref);
    return { collection, document: await this.find(collection, ref.doc_id) };
  }

  async list(input: ListDocumentsInput): Promise<{ collection: CollectionRecord; documents: DocumentRecord[]; total: number }> {
    const collection = await this.collections.resolve(input);
    const { documents, total } = await this.documents.list(collection.id, {
      offset: input.offset,
      limit: input.limit === -1 ? 100 : input.limit,
      docType: input.doc_type,
      docIds: input.filter?.doc_id_list,
    });
    return { collection, documents, total };
  }

  /**
   * (ext) doc/status_summary: how many documents each collection has in each process_status, and the
   * latest failures, so an operator sees what is stuck or broken without listing every collection.
   */
  async statusSummary(input: DocStatusSummaryInput): Promise<DocumentStatusSummary> {
    const [counts, recentFailures] = await Promise.all([
      this.documents.statusCountsByCollection(input.project),
      this.documents.recentFailures(input.project, input.failure_limit),
    ]);
    return { counts, recentFailures };
  }

  /** Goes through process_status 5 (visible to concurrent readers) and removes every point. */
  async delete(ref: DocRefInput): Promise<void> {
    const collection = await this.collections.resolve(ref);
    const document = await this.find(collection, ref.doc_id);
    await this.documents.markDeleting(document.id);
    await this.documents.delete(document.id);
  }

  /**
   * (ext) doc/retry: a failed document is queued again from its stored bytes (or its URL), with
   * fresh attempts, without a new upload. Anything not failed is refused: it is done, or on its way.
   */
  async retry(ref: DocRefInput): Promise<DocumentWithCollection> {
    const collection = await this.collections.resolve(ref);
    const document = await this.find(collection, ref.doc_id);
    const requeued =
      document.status === ProcessStatus.Failed
        ? await this.documents.requeueFailed(document.id, document.version, { stage: 'queued', chunks_done: 0, chunks_total: 0, stage_started_at: new Date().toISOString() })
        : undefined;
    if (!requeued) {
      throw new DomainError(
        ErrorCode.InvalidRequest,
        `doc ${ref.doc_id} has process_status ${document.status}; only a failed document (1) can be retried`,
        { param: 'doc_id' },
      );
    }
    await this.queue.enqueue({ documentId: requeued.id, version: requeued.version }).catch(() => undefined);
    return { collection, document: requeued };
  }

  async updateMeta(ref: DocRefInput, meta: MetaEntry[]): Promise<void> {
    const collection = await this.collections.resolve(ref);
    const document = await this.find(collection, ref.doc_id);
    await this.documents.updateMeta(document.id, validateMeta(meta, collection.fields));
  }

  async rename(ref: DocRefInput, docName: string): Promise<void> {
    const collection = await this.collections.resolve(ref);
    const document = await this.find(collection, ref.doc_id);
    await this.documents.updateName(document.id, docName);
  }

  async find(collection: CollectionRecord, docId: string): Promise<DocumentRecord> {
    const document = await this.documents.findByDocId(collection.id, docId);
    if (!document || document.status === ProcessStatus.Deleting) {
      throw new DomainError(ErrorCode.DocNotFound, `doc ${docId} does not exist in collection ${collection.name}`);
    }
    return document;
  }

  async resolveCollection(ref: CollectionRefInput): Promise<CollectionRecord> {
    return this.collections.resolve(ref);
  }

  private assertSize(bytes: number): void {
    if (bytes > this.config.uploads.maxBytes) {
      throw new DomainError(ErrorCode.PayloadTooLarge, `document is ${bytes} bytes; the limit is ${this.config.uploads.maxBytes} (MAX_UPLOAD_BYTES)`);
    }
  }

  private async save(
    collection: CollectionRecord,
    doc: Omit<NewDocumentVersion, 'collectionId' | 'docHash'>,
    bytes: Buffer | undefined,
    dedup: boolean | undefined,
  ): Promise<DocumentWithCollection> {
    const docHash = bytes ? sha256(bytes) : null;
    if (dedup && docHash) {
      const existing = await this.documents.findByHash(collection.id, docHash);
      if (existing) return { collection, document: existing };
    }
    const document = await this.documents.saveVersion({ ...doc, collectionId: collection.id, docHash }, bytes);
    // If this fails (Redis down) the document is still stored as queued; recovery enqueues it later.
    await this.queue.enqueue({ documentId: document.id, version: document.version }).catch(() => undefined);
    return { collection, document };
  }
}
