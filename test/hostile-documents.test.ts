import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DB, Db } from '@fjord/database';
import { IngestionRecoveryService } from '@fjord/ingestion/pipeline/ingestion-recovery.service';
import { buildEmptyParagraphDocx, buildManyPagePdf } from './support/document-fixtures';
import { BACKENDS, TestStack, startTestStack, uploadDocument, waitForDocument } from './support/test-stack';

const KB = '/api/knowledge';

async function upload(stack: TestStack, collection: string, docId: string, name: string, bytes: Buffer | string) {
  expect((await uploadDocument(stack, { collection_name: collection, doc_id: docId }, { name, bytes })).status).toBe(200);
}

/** Hostile files fail their own document, within bounded attempts, while the service keeps answering. */
describe.each(BACKENDS)('hostile documents (%s)', (backend) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(backend, {
      PARSE_MAX_MEMORY_MB: '256',
      PARSE_TIMEOUT_MS: '30000',
      PARSE_MAX_ATTEMPTS: '2',
      MAX_DOCUMENT_PAGES: '500',
      INGEST_MAX_ATTEMPTS: '3',
      // A language no engine has: OCR is unavailable on this stack.
      OCR_ENGINE: 'tesseract.js',
      OCR_LANGUAGES: 'eng+qqq',
    });
    expect((await stack.post(`${KB}/collection/create`, { name: 'hostile' })).status).toBe(200);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fails the DOCX that inflates to 1.5M paragraphs after PARSE_MAX_ATTEMPTS, and keeps serving', async () => {
    await upload(stack, 'hostile', 'bomb', 'bomb.docx', await buildEmptyParagraphDocx(1_500_000));
    await upload(stack, 'hostile', 'neighbour', 'neighbour.txt', 'A healthy neighbour is indexed all the same.');

    // While the bomb is being parsed (twice), health answers; a loose bound on a shared 2-core box.
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const health = await fetch(`${stack.baseUrl}/health`);
      expect(health.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(2_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }

    const bomb = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'bomb' }, 120_000);
    expect(bomb.process_status).toBe(1);
    expect(bomb.failed_code).toBe(7);
    expect(bomb.failed_reason).toBe('parsing needed more than 256 MB of memory (PARSE_MAX_MEMORY_MB) and was stopped (2 attempts)');
    const neighbour = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'neighbour' });
    expect(neighbour.process_status).toBe(0);
  }, 180_000);

  it('fails a PDF over MAX_DOCUMENT_PAGES at once with a readable reason', async () => {
    await upload(stack, 'hostile', 'pages', 'pages.pdf', buildManyPagePdf(2_000));
    const pages = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'pages' }, 60_000);
    expect(pages.process_status).toBe(1);
    expect(pages.failed_code).toBe(4);
    expect(pages.failed_reason).toBe('PDF has 2000 pages; at most 500 are accepted (MAX_DOCUMENT_PAGES)');
  }, 90_000);

  it('fails an image readably, naming what to install, when OCR is not available', async () => {
    await upload(stack, 'hostile', 'photo', 'photo.png', readFileSync(join(__dirname, '../libs/ocr/fixtures/english.png')));
    const photo = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'photo' }, 60_000);
    expect(photo.process_status).toBe(1);
    expect(photo.failed_code).toBe(3);
    expect(photo.failed_reason).toMatch(/^this image needs OCR, which is not available: .*qqq/);
  }, 90_000);

  it('fails, not requeues forever, a document whose earlier attempts never reported back', async () => {
    await upload(stack, 'hostile', 'crashy', 'crashy.txt', 'This document was being processed when the process died, three times.');
    expect((await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'crashy' })).process_status).toBe(0);
    // As a crash loop leaves it: still marked processing, with every attempt used up.
    const db = stack.app.get<Db>(DB);
    await db.query(`UPDATE documents SET status = 6, attempts = 3 WHERE doc_id = 'crashy'`);
    await stack.app.get(IngestionRecoveryService).recover();
    const crashy = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'crashy' });
    expect(crashy.process_status).toBe(1);
    expect(crashy.failed_code).toBe(7);
    expect(crashy.failed_reason).toBe('gave up after 3 attempts that ended without a result (the process stopped while processing this document)');

    // Once the cause is fixed, doc/retry (ext) queues it again from its stored bytes, with fresh attempts.
    const retried = await stack.post(`${KB}/doc/retry`, { collection_name: 'hostile', doc_id: 'crashy' });
    expect(retried.status).toBe(200);
    expect(retried.body.data.status.process_status).toBe(2);
    const again = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'crashy' });
    expect(again.process_status).toBe(0);
    expect(again.failed_reason).toBeUndefined();
    expect(again.info.point_num).toBe(1);

    const notFailed = await stack.post(`${KB}/doc/retry`, { collection_name: 'hostile', doc_id: 'crashy' });
    expect(notFailed.status).toBe(400);
    expect(notFailed.body).toMatchObject({ code: 1000003, message: 'doc crashy has process_status 0; only a failed document (1) can be retried' });
    const missing = await stack.post(`${KB}/doc/retry`, { collection_name: 'hostile', doc_id: 'nope' });
    expect(missing.body.code).toBe(1001001);
  });

  it('fails a document whose stage made no progress for INGEST_STUCK_MS, with the stage in the reason', async () => {
    await upload(stack, 'hostile', 'stuck', 'stuck.txt', 'A document that will look stuck in embedding.');
    expect((await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'stuck' })).process_status).toBe(0);
    const db = stack.app.get<Db>(DB);
    // As a hung stage leaves it: processing, its last progress report 20 minutes old.
    await db.query(
      `UPDATE documents SET status = 6, progress = '{"stage":"embedding","chunks_done":0,"chunks_total":1}', updated_at = now() - interval '20 minutes' WHERE doc_id = 'stuck'`,
    );
    await stack.app.get(IngestionRecoveryService).recover();
    const stuck = await waitForDocument(stack, { collection_name: 'hostile', doc_id: 'stuck' });
    expect(stuck.process_status).toBe(1);
    expect(stuck.failed_code).toBe(8);
    expect(stuck.failed_reason).toBe('no progress for more than 900 s in stage embedding (INGEST_STUCK_MS); doc/retry queues it again');
    expect(stuck.info.progress.stage).toBe('failed');
  });
});
