/**
 * `npm run bench:search` (Postgres with pgvector 0.8 at DATABASE_URL; BENCH_BACKEND=embedded: PGlite).
 *
 * 1. A fresh database; a synthetic corpus of 100k chunks (1,000 documents x 100 chunks of 80 words,
 *    shaped like English prose: ~40% function words (the analyser's stopwords), ~35% words of the
 *    document's own topic, ~25% words from a Zipf-distributed 30k vocabulary), embedded by
 *    BENCH_VECTORS: `clustered` (default) asks a fake OpenAI-compatible embedding server over HTTP
 *    for vectors shaped like a learned model's (support/clustered-embeddings.ts; fjord embeds the
 *    search queries through it too), `hashing` uses the local hashing embedder; written through the
 *    write path the ingestion pipeline uses (document rows, PointRepository.insertMany in one
 *    transaction per document, so the BM25 triggers and statistics run as in production), then the
 *    collection's HNSW index built by VectorIndexService.
 * 2. EXPLAIN of the dense query: the HNSW index must be used.
 * 3. HNSW recall@10 against an exact scan, over the benchmark queries (BENCH_HNSW_VARIANTS=m:efc,...
 *    and BENCH_HALFVEC=1: also of other indexes over the same vectors, with their sizes;
 *    BENCH_ONLY_RECALL=1 stops there).
 * 4. autocannon (in its own process): concurrent collection/search_knowledge (hybrid, limit 10) over HTTP: p50/p99, req/s,
 *    once per BENCH_CONNECTIONS entry (default 2 and 4).
 * 5. The same queries through LangChain PGVectorStore.similaritySearch (same vectors, its own table
 *    with an HNSW index of the same m/ef_construction), sequentially, against fjord's sequential
 *    HTTP latency: the ratio.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { loadConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { LocalHashEmbedder, OpenAiEmbedder } from '@fjord/embeddings';
import { CollectionService } from '@fjord/knowledge/collections/collection.service';
import { DocumentRepository } from '@fjord/knowledge/documents/document.repository';
import { NewPoint, PointRepository, pointIdOf } from '@fjord/knowledge/points/point.repository';
import { VectorIndexRepository } from '@fjord/knowledge/vector-index/vector-index.repository';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { SearchRepository } from '@fjord/search/retrieval/search.repository';
import { ENGLISH_STOPWORDS, LATEST_LEXICAL_ANALYZER, countTokens, lexicalTerms } from '@fjord/text';
import { createApiApp } from '../apps/api/src/create-api-app';
import { percentile } from './support/bench-harness';
import { ClusteredVectors, cosine, startClusteredEmbeddingServer } from './support/clustered-embeddings';
import { runHttpLoad } from './support/http-load';

const DOCS = Number(process.env.BENCH_DOCS ?? 1000);
const CHUNKS_PER_DOC = 100;
const WORDS_PER_CHUNK = 80;
const VOCABULARY = 30_000;
const TOPIC_WORDS = 300;
const QUERIES = 200;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 20);
/** One load run per entry: 2 = this machine's cores, 4 = twice as many requests in flight as cores. */
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '2,4').split(',').map(Number);
const VECTORS = process.env.BENCH_VECTORS ?? 'clustered';
const BACKEND = process.env.BENCH_BACKEND ?? 'postgres';
/** 384: bge-small / e5-small; bge-m3 is 1024. */
const CLUSTERED_DIMENSION = Number(process.env.BENCH_DIMENSION ?? 384);
const CLUSTERED_TOPICS = 100;
const CLUSTERED_SUBSPACE = 16;

/** mulberry32: a small deterministic PRNG, so every run searches the same corpus. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'su', 'ta', 'ri', 'po', 'va', 'de', 'gu', 'fe', 'zo', 'hi', 'bra', 'tel', 'mon', 'sar', 'vin', 'dor'];

function vocabulary(random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    const n = 2 + Math.floor(random() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/**
 * Zipf-Mandelbrot sampler over ranks 0..n-1, p(r) ~ 1 / (r + 1 + shift), by inverse CDF. With
 * shift 0 it is plain Zipf(1) (function words); a shift flattens the head as content words are
 * once function words are removed (the commonest content word is in a few % of chunks, not all).
 */
function zipf(n: number, random: () => number, shift = 0): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1 + shift);
    cdf[i] = sum;
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

class BenchEmbeddings extends Embeddings {
  constructor(private readonly vectorOf: (text: string) => number[]) {
    super({});
  }
  embedDocuments(texts: string[]): Promise<number[][]> {
    return Promise.resolve(texts.map((t) => this.vectorOf(t)));
  }
  embedQuery(text: string): Promise<number[]> {
    return Promise.resolve(this.vectorOf(text));
  }
}

function finish(lines: string[]): void {
  console.log('\nsummary');
  for (const line of lines) console.log(`  ${line}`);
}

async function main(): Promise<void> {
  if (VECTORS !== 'clustered' && VECTORS !== 'hashing') throw new Error(`BENCH_VECTORS must be clustered or hashing, not ${VECTORS}`);
  if (BACKEND !== 'postgres' && BACKEND !== 'embedded') throw new Error(`BENCH_BACKEND must be postgres or embedded, not ${BACKEND}`);
  const embedded = BACKEND === 'embedded';
  const baseUrl = embedded ? 'embedded' : process.env.DATABASE_URL;
  if (!baseUrl) throw new Error('bench:search needs DATABASE_URL (PostgreSQL with pgvector 0.8), or BENCH_BACKEND=embedded');
  // BENCH_REUSE_DB=<name of a database an earlier run kept with BENCH_KEEP_DB=1> skips the load
  // and the index build: the corpus and queries come from the same seed, so only writes are skipped.
  const reuse = process.env.BENCH_REUSE_DB;
  const dbName = reuse ?? `fjord_bench_${randomBytes(4).toString('hex')}`;
  if (!/^fjord_bench_[0-9a-f]{8}$/.test(dbName)) throw new Error(`BENCH_REUSE_DB must name a kept bench database, not ${dbName}`);
  if (reuse && embedded) throw new Error('BENCH_REUSE_DB is for PostgreSQL');
  if (!reuse && !embedded) {
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
  }
  const url = new URL(embedded ? 'postgres://embedded/' : baseUrl);
  url.pathname = `/${dbName}`;
  const clustered =
    VECTORS === 'clustered' ? new ClusteredVectors({ dimension: CLUSTERED_DIMENSION, topics: CLUSTERED_TOPICS, subspace: CLUSTERED_SUBSPACE }) : undefined;
  const clusteredModel = `bench-clustered-${CLUSTERED_DIMENSION}`;
  const embeddingServer = clustered ? await startClusteredEmbeddingServer(clustered, clusteredModel) : undefined;

  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-bench-'));
  const adminKey = `bench-${randomBytes(16).toString('hex')}`;
  const { REDIS_URL: _redis, DATABASE_URL: _database, ...env } = process.env;
  const config = loadConfig({
    ...env,
    ...(embedded ? {} : { DATABASE_URL: url.toString(), DATABASE_POOL_SIZE: '20' }),
    ...(embeddingServer
      ? { EMBEDDING_PROVIDER: 'openai', EMBEDDING_BASE_URL: embeddingServer.baseUrl, EMBEDDING_MODEL: clusteredModel, EMBEDDING_DIMENSION: String(CLUSTERED_DIMENSION), EMBEDDING_BATCH_SIZE: '100' }
      : { EMBEDDING_PROVIDER: 'local' }),
    LOG_LEVEL: 'error',
    DATA_DIR: dataDir,
    ADMIN_API_KEY: adminKey,
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const db = app.get<Db>(DB);
  const lines: string[] = [];
  const report = (line: string) => {
    lines.push(line);
    console.log(line);
  };

  try {
    const random = prng(42);
    const words = vocabulary(random);
    const nextWord = zipf(VOCABULARY, random, 50);
    const stopwords = [...ENGLISH_STOPWORDS];
    const nextStopword = zipf(stopwords.length, random);
    const token = (topic: string[]) => {
      const x = random();
      if (x < 0.4) return stopwords[nextStopword()];
      if (x < 0.75) return topic[Math.floor(random() * topic.length)];
      return words[nextWord()];
    };
    const embedder = new LocalHashEmbedder(config.embedding.localDimension);
    const remote = clustered ? new OpenAiEmbedder(config.embedding) : undefined;
    const dimension = clustered ? clustered.dimension : embedder.dimension;
    // The vector of a chunk or query text, as the bench checks against (the server answers the same).
    const vectorOf = (text: string): number[] => {
      if (!clustered) return embedder.embedText(text);
      const vector = clustered.vectorOf(text);
      if (!vector) throw new Error(`no clustered vector registered for ${text.slice(0, 40)}`);
      return vector;
    };
    const collection = reuse
      ? await app.get(CollectionService).resolve({ name: 'bench', project: 'default' })
      : await app.get(CollectionService).create({
      name: 'bench',
      project: 'default',
      description: '',
      data_type: 'unstructured_data',
      preprocessing: { chunking_strategy: 'custom_balance', chunk_length: 500, merge_small_chunks: true },
      index: { index_type: 'hnsw_hybrid', index_config: { fields: [{ field_name: 'shard', field_type: 'int64' }] } },
    });
    const documents = app.get(DocumentRepository);
    const points = app.get(PointRepository);

    // 1. Load.
    const loadStarted = Date.now();
    const queryTexts: string[] = [];
    const allTexts: string[] = [];
    for (let d = 0; d < DOCS; d++) {
      const docId = `doc-${d}`;
      const topic = Array.from({ length: TOPIC_WORDS }, () => words[nextWord()]);
      const contents = Array.from({ length: CHUNKS_PER_DOC }, () => Array.from({ length: WORDS_PER_CHUNK }, () => token(topic)).join(' '));
      allTexts.push(...contents);
      const title = `${docId}.txt`;
      contents.forEach((content, c) => clustered?.registerChunk(`${title}\n${content}`, d, c));
      if (reuse) continue;
      const doc = await documents.saveVersion(
        { collectionId: collection.id, docId, docName: `${docId}.txt`, docType: 'txt', addType: 'text', url: null, meta: [{ field_name: 'shard', field_type: 'int64', field_value: d % 10 }], docHash: null },
        undefined,
      );
      // Clustered: one request per document to the embedding server, over HTTP as ingestion does.
      const vectors = remote ? await remote.embed(contents.map((content) => `${title}\n${content}`), 'document') : undefined;
      const newPoints: NewPoint[] = contents.map((content, c) => ({
        pointId: pointIdOf(docId, c),
        chunkId: c,
        chunkTitle: title,
        chunkType: 'text',
        content,
        tokenCount: countTokens(content),
        embedding: vectors ? vectors[c] : embedder.embedText(`${title}\n${content}`),
        lexicalTerms: lexicalTerms(`${title}\n${content}`, LATEST_LEXICAL_ANALYZER),
      }));
      await db.transaction(async (tx) => {
        await points.insertMany(tx, collection.id, doc.id, newPoints);
        await documents.markDone(tx, doc.id, { pointNum: newPoints.length, totalTokens: 0, progress: { stage: 'done', chunks_done: newPoints.length, chunks_total: newPoints.length } });
      });
      if ((d + 1) % 100 === 0) console.log(`  loaded ${(d + 1) * CHUNKS_PER_DOC} chunks (${((Date.now() - loadStarted) / 1000).toFixed(0)} s)`);
    }
    // Queries: a run of 5-8 words from a random chunk (stopwords included, as people type them).
    for (let q = 0; q < QUERIES; q++) {
      const sourceIndex = Math.floor(random() * allTexts.length);
      const source = allTexts[sourceIndex].split(' ');
      const n = 5 + Math.floor(random() * 4);
      const start = Math.floor(random() * (source.length - n));
      const text = source.slice(start, start + n).join(' ');
      queryTexts.push(text);
      // Clustered: the query lands near its source chunk (see ClusteredVectors.query).
      clustered?.registerQuery(text, Math.floor(sourceIndex / CHUNKS_PER_DOC), sourceIndex % CHUNKS_PER_DOC, q);
    }
    if (clustered) {
      // The shape of these vectors, to set beside a real model's.
      const stats = { query: [] as number[], sameDocument: [] as number[], sameTopic: [] as number[], unrelated: [] as number[] };
      for (let i = 0; i < 2000; i++) {
        const d = Math.floor(random() * DOCS);
        const c = Math.floor(random() * CHUNKS_PER_DOC);
        const other = Math.floor(random() * DOCS);
        const sameTopic = (d + CLUSTERED_TOPICS * (1 + Math.floor(random() * Math.max(0, Math.floor(DOCS / CLUSTERED_TOPICS) - 1)))) % DOCS;
        stats.query.push(cosine(clustered.query(d, c, 1_000_000 + i), clustered.chunk(d, c)));
        stats.sameDocument.push(cosine(clustered.chunk(d, c), clustered.chunk(d, (c + 1) % CHUNKS_PER_DOC)));
        if (sameTopic !== d) stats.sameTopic.push(cosine(clustered.chunk(d, c), clustered.chunk(sameTopic, c)));
        if (clustered.topicOf(other) !== clustered.topicOf(d)) stats.unrelated.push(cosine(clustered.chunk(d, c), clustered.chunk(other, c)));
      }
      const mean = (xs: number[]) => (xs.length === 0 ? '-' : (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3));
      report(
        `clustered vectors (${CLUSTERED_DIMENSION}-d, ${CLUSTERED_TOPICS} topics, ${CLUSTERED_SUBSPACE}-d chunk variation per topic): mean cosine query-source chunk ${mean(stats.query)}, same document ${mean(stats.sameDocument)}, same topic ${mean(stats.sameTopic)}, unrelated ${mean(stats.unrelated)}`,
      );
    }
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    const total = DOCS * CHUNKS_PER_DOC;
    if (reuse) {
      report(`corpus: ${total} chunks in ${DOCS} documents, reused from database ${dbName}`);
    } else {
      const indexStarted = Date.now();
      await app.get(VectorIndexService).rebuildIfNeeded(collection.id, true);
      const indexSeconds = (Date.now() - indexStarted) / 1000;
      await db.query('VACUUM ANALYZE points, point_terms, documents');
      report(`corpus (${BACKEND}): ${total} chunks in ${DOCS} documents, ${dimension}-d ${clustered ? `clustered embeddings over HTTP (${embeddingServer?.requests()} requests)` : 'local hashing embeddings'}; loaded in ${loadSeconds.toFixed(0)} s (${Math.round(total / loadSeconds)} chunks/s with BM25 postings), HNSW built in ${indexSeconds.toFixed(0)} s`);
    }

    // 2. EXPLAIN.
    const state = await app.get(VectorIndexRepository).state(collection.id);
    if (!state) throw new Error('no vector index state');
    const search = app.get(SearchRepository);
    const plan = await search.explainDense({ state, vector: vectorOf(queryTexts[0]), k: 50, efSearch: config.vectorIndex.efSearch });
    const usesHnsw = state.indexName !== null && plan.includes(state.indexName);
    report(`dense plan uses HNSW index ${state.indexName}: ${usesHnsw ? 'yes' : 'NO'}`);
    if (!usesHnsw) console.log(plan);

    // 3. Recall@10 of the HNSW path (as search uses it: k = 20 candidates for limit 10) vs exact, at
    // the configured ef_search and at the others in BENCH_EF_SEARCH (a sweep, for tuning).
    const exact = new Map<string, number[]>();
    for (const text of queryTexts) exact.set(text, await search.exactDense(collection.id, state.dimension, vectorOf(text), 10));
    const sweep = [...new Set([config.vectorIndex.efSearch, ...(process.env.BENCH_EF_SEARCH ?? '').split(',').filter(Boolean).map(Number)])];
    // The index's own m / ef_construction (a reused database keeps the index it was built with).
    const built = await db.query<{ options: string[] | null }>('SELECT reloptions AS options FROM pg_class WHERE relname = $1', [state.indexName]);
    const option = (name: string, fallback: number) => Number((built.rows[0]?.options ?? []).find((o) => o.startsWith(`${name}=`))?.split('=')[1] ?? fallback);
    const indexM = option('m', config.vectorIndex.m);
    const indexEfConstruction = option('ef_construction', config.vectorIndex.efConstruction);
    for (const efSearch of sweep) {
      let recall = 0;
      const started = performance.now();
      for (const text of queryTexts) {
        const approx = (await search.dense({ state, vector: vectorOf(text), k: 20, efSearch })).slice(0, 10).map((c) => c.id);
        const truth = exact.get(text) as number[];
        recall += approx.filter((id) => truth.includes(id)).length / truth.length;
      }
      const ms = (performance.now() - started) / queryTexts.length;
      report(
        `HNSW recall@10 vs exact scan: ${(recall / queryTexts.length).toFixed(4)} (m ${indexM}, ef_construction ${indexEfConstruction}, ef_search ${efSearch}${efSearch === config.vectorIndex.efSearch ? ', configured' : ''}, ${queryTexts.length} queries, ${ms.toFixed(1)} ms per dense query)`,
      );
    }
    // BENCH_HNSW_VARIANTS=16:128,24:64 measures other m:ef_construction; BENCH_HALFVEC=1 a halfvec index at fjord's settings.
    const variants: Array<{ type: 'vector' | 'halfvec'; m: number; efConstruction: number }> = (process.env.BENCH_HNSW_VARIANTS ?? '')
      .split(',')
      .filter(Boolean)
      .map((v) => ({ type: 'vector', m: Number(v.split(':')[0]), efConstruction: Number(v.split(':')[1]) }));
    if (process.env.BENCH_HALFVEC === '1') variants.push({ type: 'halfvec', m: config.vectorIndex.m, efConstruction: config.vectorIndex.efConstruction });
    if (embedded && variants.length > 0) throw new Error('BENCH_HNSW_VARIANTS and BENCH_HALFVEC are for PostgreSQL');
    for (const variant of variants) {
      await measureIndexVariant(db, variant, { id: collection.id, dimension: state.dimension, indexName: state.indexName }, queryTexts, vectorOf, exact, sweep, report);
    }
    if (process.env.BENCH_ONLY_RECALL === '1') return finish(lines);

    // 4. autocannon over HTTP.
    const body = (i: number) => JSON.stringify({ resource_id: collection.resourceId, query: queryTexts[i % queryTexts.length], limit: 10 });
    const path = '/api/knowledge/collection/search_knowledge';
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` };
    // Warm-up: every query once, sequentially, which is also fjord's sequential latency for the ratio.
    const sequential: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < queryTexts.length; i++) {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers, body: body(i) });
        const json = (await res.json()) as { code: number; data: { count: number } };
        if (json.code !== 0 || json.data.count === 0) throw new Error(`search failed: ${JSON.stringify(json)}`);
        if (round === 1) sequential.push(performance.now() - t0);
      }
    }
    sequential.sort((a, b) => a - b);
    for (const connections of CONNECTIONS) {
      const loadBefore = loadavg()[0];
      const result = await runHttpLoad({
        url: `http://127.0.0.1:${port}`,
        path,
        headers,
        bodies: queryTexts.map((_, i) => body(i)),
        connections,
        durationSeconds: DURATION_S,
      });
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`load: ${result.non2xx} non-2xx, ${result.errors} errors`);
      // The load generator stops at the deadline with requests still in flight; let them finish before anything goes on.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      report(
        `search_knowledge over HTTP (hybrid, limit 10), ${connections} connections for ${DURATION_S} s from a separate load process: p50 ${result.p50} ms, p99 ${result.p99} ms, ${Math.round(result.requestsPerSecond)} req/s (${result.total} requests)`,
      );
      report(`machine: ${cpus().length} cores, 1-minute load average ${loadBefore.toFixed(1)} before the run, ${loadavg()[0].toFixed(1)} after (other processes share these cores)`);
    }
    report(`search_knowledge sequential (1 connection): p50 ${percentile(sequential, 50).toFixed(2)} ms, p99 ${percentile(sequential, 99).toFixed(2)} ms`);

    // 5. LangChain PGVectorStore over the same vectors.
    if (process.env.BENCH_LANGCHAIN === '0' || embedded) return finish(lines);
    await db.query('DROP TABLE IF EXISTS langchain_bench');
    const store = await PGVectorStore.initialize(new BenchEmbeddings(vectorOf), {
      postgresConnectionOptions: { connectionString: url.toString() },
      tableName: 'langchain_bench',
      distanceStrategy: 'cosine',
    });
    const lcStarted = Date.now();
    // Same vectors and texts as fjord's points, copied in SQL (PGVectorStore.addVectors would take
    // ~13 minutes for 100k rows here and measures nothing this benchmark is about).
    await db.query(
      `INSERT INTO langchain_bench (text, metadata, embedding)
       SELECT p.content, '{}'::jsonb, p.embedding FROM points p WHERE p.collection_id = $1`,
      [collection.id],
    );
    await store.createHnswIndex({ dimensions: dimension, m: config.vectorIndex.m, efConstruction: config.vectorIndex.efConstruction });
    await db.query('VACUUM ANALYZE langchain_bench');
    console.log(`  LangChain table loaded and indexed in ${((Date.now() - lcStarted) / 1000).toFixed(0)} s`);
    for (const q of queryTexts) await store.similaritySearch(q, 10); // warm-up
    const lc: number[] = [];
    for (const q of queryTexts) {
      const t0 = performance.now();
      await store.similaritySearch(q, 10);
      lc.push(performance.now() - t0);
    }
    lc.sort((a, b) => a - b);
    await store.end();
    const ratio = percentile(sequential, 50) / percentile(lc, 50);
    report(
      `LangChain PGVectorStore.similaritySearch (dense only, in process, over a table with its HNSW index): p50 ${percentile(lc, 50).toFixed(2)} ms, p99 ${percentile(lc, 99).toFixed(2)} ms; fjord hybrid over HTTP / LangChain dense = ${ratio.toFixed(2)}x at p50`,
    );
    finish(lines);
  } finally {
    await app.close();
    await embeddingServer?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (!process.env.BENCH_KEEP_DB && !reuse && !embedded) {
      const cleanup = new Client({ connectionString: baseUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await cleanup.end();
    }
  }
}

/** Thrown to roll back the transaction that measured an index variant (its DROP INDEX included). */
class RollBack extends Error {}

/**
 * Another HNSW index over the same points beside fjord's: `halfvec` (16-bit, its own expression) or
 * `vector` with other m / ef_construction (fjord's index is dropped inside the measuring transaction,
 * which is rolled back, so the planner can only use the variant). Recall@10 against the same exact
 * (32-bit) top 10 at each ef_search of the sweep, the build time and both indexes' sizes. The
 * variant is dropped afterwards.
 */
async function measureIndexVariant(
  db: Db,
  variant: { type: 'vector' | 'halfvec'; m: number; efConstruction: number },
  collection: { id: number; dimension: number; indexName: string | null },
  queryTexts: string[],
  vectorOf: (text: string) => number[],
  exact: Map<string, number[]>,
  sweep: number[],
  report: (line: string) => void,
): Promise<void> {
  const { type, m, efConstruction } = variant;
  const { id: collectionId, dimension, indexName } = collection;
  const name = `bench_${type}_m${m}_efc${efConstruction}_c${collectionId}`;
  const expression = `(embedding::${type}(${dimension}))`;
  const started = Date.now();
  await db.session(async (q) => {
    await q.query("SET maintenance_work_mem = '512MB'");
    await q.query('SET max_parallel_maintenance_workers = 2');
    await q.query(`CREATE INDEX IF NOT EXISTS ${name} ON points USING hnsw (${expression} ${type}_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction}) WHERE collection_id = ${collectionId}`);
  });
  const buildSeconds = (Date.now() - started) / 1000;
  const sizes = await db.query<{ name: string; bytes: string }>(`SELECT relname AS name, pg_relation_size(oid)::text AS bytes FROM pg_class WHERE relname = ANY($1)`, [[name, indexName ?? '']]);
  const mb = (n: string | null) => (Number(sizes.rows.find((r) => r.name === n)?.bytes ?? 0) / 1024 / 1024).toFixed(0);
  report(`${type} HNSW m ${m}, ef_construction ${efConstruction}: built in ${buildSeconds.toFixed(0)} s, ${mb(name)} MB (fjord's index: ${mb(indexName)} MB)`);
  const results: string[] = [];
  try {
    await db.transaction(async (tx) => {
      if (type === 'vector' && indexName) await tx.query(`DROP INDEX ${indexName}`);
      const sql = `SELECT id FROM points WHERE collection_id = $2 ORDER BY ${expression} <=> $1::${type}(${dimension}) LIMIT 20`;
      const plan = (await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, [`[${vectorOf(queryTexts[0]).join(',')}]`, collectionId])).rows.map((r) => Object.values(r)[0]).join(' ');
      if (!plan.includes(name)) throw new Error(`the ${name} variant is not used: ${plan}`);
      for (const efSearch of sweep) {
        await tx.query(`SET LOCAL hnsw.ef_search = ${efSearch}`);
        let recall = 0;
        const t0 = performance.now();
        for (const text of queryTexts) {
          const rows = await tx.query<{ id: string }>(sql, [`[${vectorOf(text).join(',')}]`, collectionId]);
          const approx = rows.rows.slice(0, 10).map((r) => String(r.id));
          const truth = (exact.get(text) as number[]).map(String);
          recall += approx.filter((id) => truth.includes(id)).length / truth.length;
        }
        const ms = (performance.now() - t0) / queryTexts.length;
        results.push(`${type} HNSW m ${m}, ef_construction ${efConstruction}: recall@10 vs exact (32-bit) scan ${(recall / queryTexts.length).toFixed(4)} at ef_search ${efSearch} (${ms.toFixed(1)} ms per dense query)`);
      }
      throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack)) throw error;
  }
  results.forEach(report);
  await db.query(`DROP INDEX IF EXISTS ${name}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
