/**
 * The parser process: receives one document at a time from ParserSandbox, parses and chunks it,
 * and sends the chunks back in batches. It runs with a capped heap and may be killed at any
 * moment, so it keeps no state between documents.
 */
import { readFile, stat } from 'node:fs/promises';
import { PermanentError } from '@fjord/common';
import type { Chunk } from '../chunking/chunk';
import { chunkDocument } from '../chunking/chunker';
import { chunkCsvStream } from '../chunking/csv-chunk-stream';
import { FailedCode } from '../failed-code';
import { parseDocument } from '../parsers/document-parser';
import { NeedsOcrError } from '../parsers/pdf.parser';
import { CHUNK_BATCH, type ChunksAck, type ParseReply, type ParseRequest } from './sandbox-protocol';

/** Resolvers waiting for the parent's `ack` (streaming mode). */
const ackWaiters: Array<() => void> = [];

function nextAck(): Promise<void> {
  return new Promise((resolve) => ackWaiters.push(resolve));
}

function send(reply: ParseReply): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return reject(new Error('the parser process has no IPC channel'));
    process.send(reply, undefined, undefined, (error) => (error ? reject(error) : resolve()));
  });
}

async function handle(request: ParseRequest): Promise<void> {
  try {
    await send({ type: 'progress', stage: 'parsing', pagesDone: 0, pagesTotal: 0 });
    const sendChunks = async (chunks: Chunk[]): Promise<void> => {
      for (let start = 0; start < chunks.length; start += CHUNK_BATCH) {
        const acked = request.streaming ? nextAck() : undefined;
        await send({ type: 'chunks', chunks: chunks.slice(start, start + CHUNK_BATCH) });
        await acked;
      }
    };
    const inMemory = request.bytes && Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
    if (request.docType === 'csv') {
      // Read as a stream (from the file a slice at a time): a CSV of any size is chunked a block of rows at a time.
      const source = request.path ? { path: request.path } : (inMemory as Buffer);
      if ((source instanceof Uint8Array ? source.length : (await stat(source.path)).size) === 0) {
        throw new PermanentError(FailedCode.Empty, 'document is empty');
      }
      await chunkCsvStream(source, request.chunkOptions.chunkLength, sendChunks);
      await send({ type: 'done' });
      return;
    }
    const bytes = request.path ? await readFile(request.path) : (inMemory as Buffer);
    const parsed = await parseDocument(bytes, request.docType, request.limits, request.ocrText);
    await send({ type: 'progress', stage: 'chunking', pagesDone: 0, pagesTotal: 0 });
    await sendChunks(await chunkDocument(parsed, request.chunkOptions));
    await send({ type: 'done', title: parsed.title });
  } catch (error) {
    if (error instanceof NeedsOcrError) {
      await send({ type: 'needs-ocr', pages: error.pages, pageCount: error.pageCount });
      return;
    }
    const permanent = error instanceof PermanentError;
    await send({
      type: 'failed',
      failedCode: permanent ? error.failedCode : FailedCode.Internal,
      reason: permanent ? error.message : `internal error while parsing: ${(error as Error)?.message ?? String(error)}`,
      permanent,
    });
  }
}

process.on('message', (message: ParseRequest | ChunksAck) => {
  if (message?.type === 'parse') void handle(message);
  else if (message?.type === 'ack') ackWaiters.shift()?.();
});
// The parent going away (crash, kill -9) closes the channel; a parser must not outlive it.
process.on('disconnect', () => process.exit(0));
