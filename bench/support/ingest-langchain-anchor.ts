/**
 * The LangChain anchor of `npm run bench:ingest`, run as its own process so that its peak RSS is
 * LangChain's alone: `node ingest-langchain-anchor.js '<json AnchorInput>'`; the last stdout line is
 * the JSON AnchorResult.
 *
 * The chunks are fjord's own (same parser, chunkDocument with the collection's options, the same
 * `title\ncontent` text the pipeline embeds) and so is the embedder (LocalHashEmbedder at the same
 * dimension), so the only difference from fjord is the storage path:
 * (a) PGVectorStore.addDocuments into a fresh table, then CREATE INDEX ... USING hnsw;
 * (b) PGVectorStore.addDocuments into a fresh table that already has its HNSW index (a live table).
 */
import { randomBytes } from 'node:crypto';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { Document } from '@langchain/core/documents';
import { Embeddings } from '@langchain/core/embeddings';
import { Pool } from 'pg';
import { LocalHashEmbedder } from '@fjord/embeddings/local-hash-embedder';
import { chunkDocument } from '@fjord/ingestion/chunking/chunker';
import { parseDocument } from '@fjord/ingestion/parsers/document-parser';
import { loadCorpus } from './ingest-corpus';
import { procStatusBytes } from './ingest-processes';

export interface AnchorInput {
  databaseUrl: string;
  corpus: string;
  limit?: number;
  chunkLength: number;
  mergeSmallChunks: boolean;
  dimension: number;
  hnsw: { m: number; efConstruction: number };
}

export interface AnchorResult {
  chunks: number;
  chunkSeconds: number;
  a: { insertSeconds: number; indexSeconds: number; peakRssBytes?: number };
  b: { insertSeconds: number };
  maintenanceWorkMem: string;
}

/** LocalHashEmbedder behind LangChain's Embeddings interface. */
class LocalHashEmbeddings extends Embeddings {
  constructor(private readonly embedder: LocalHashEmbedder) {
    super({});
  }

  embedDocuments(texts: string[]): Promise<number[][]> {
    return this.embedder.embed(texts, 'document');
  }

  async embedQuery(text: string): Promise<number[]> {
    return (await this.embedder.embed([text], 'query'))[0];
  }
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

async function chunksOf(input: AnchorInput): Promise<Document[]> {
  const documents: Document[] = [];
  for (const doc of loadCorpus(input.corpus, input.limit)) {
    const parsed = await parseDocument(Buffer.from(doc.markdown, 'utf8'), 'md');
    const chunks = await chunkDocument(parsed, { chunkLength: input.chunkLength, mergeSmallChunks: input.mergeSmallChunks });
    for (const chunk of chunks) {
      const title = chunk.title || doc.docName;
      documents.push(new Document({ pageContent: `${title}\n${chunk.content}`, metadata: { doc_id: doc.docId, chunk_id: chunk.chunkId } }));
    }
  }
  return documents;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as AnchorInput;
  const embeddings = new LocalHashEmbeddings(new LocalHashEmbedder(input.dimension));
  const suffix = randomBytes(4).toString('hex');
  const pool = new Pool({ connectionString: input.databaseUrl, max: 4 });
  const hnswDdl = (table: string) =>
    `CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${input.hnsw.m}, ef_construction = ${input.hnsw.efConstruction})`;
  const store = (table: string) =>
    PGVectorStore.initialize(embeddings, { pool, tableName: table, dimensions: input.dimension, distanceStrategy: 'cosine' });

  try {
    const { rows } = await pool.query<{ maintenance_work_mem: string }>('SHOW maintenance_work_mem');
    let t = performance.now();
    const documents = await chunksOf(input);
    const chunkSeconds = seconds(t);

    // (a) bulk load, then build the index. Peak RSS is read right after, before (b) runs.
    const tableA = `lc_bench_a_${suffix}`;
    const storeA = await store(tableA);
    t = performance.now();
    await storeA.addDocuments(documents);
    const insertA = seconds(t);
    t = performance.now();
    await pool.query(hnswDdl(tableA));
    const indexA = seconds(t);
    const peakA = procStatusBytes('self', 'VmHWM') ?? process.memoryUsage().rss;

    // (b) a table that already has its HNSW index, as a live service's table does.
    const tableB = `lc_bench_b_${suffix}`;
    const storeB = await store(tableB);
    await pool.query(hnswDdl(tableB));
    t = performance.now();
    await storeB.addDocuments(documents);
    const insertB = seconds(t);

    // Each store keeps a pooled client checked out (PGVectorStore._initializeClient); pool.end() waits for it.
    storeA.client?.release();
    storeB.client?.release();
    await pool.query(`DROP TABLE IF EXISTS ${tableA}, ${tableB}`);
    const result: AnchorResult = {
      chunks: documents.length,
      chunkSeconds,
      a: { insertSeconds: insertA, indexSeconds: indexA, peakRssBytes: peakA },
      b: { insertSeconds: insertB },
      maintenanceWorkMem: rows[0].maintenance_work_mem,
    };
    console.log(JSON.stringify(result));
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
