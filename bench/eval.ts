/**
 * Retrieval quality: `npm run eval -- --data <path>`.
 *
 * Loads a BEIR folder (corpus.jsonl, queries.jsonl, qrels.tsv) or a SQuAD-style JSON file (each
 * paragraph a document, each question's gold passage its own paragraph) into a fresh collection
 * through the upload path (doc/add over HTTP -> ingestion pipeline: chunking, embedding, analyser),
 * runs every query through collection/search_knowledge over HTTP with dense_weight 0 (lexical
 * only), 1 (dense only) and none (hybrid at the collection's default weight), and prints nDCG@10, Recall@10, Recall@100,
 * MRR and p50/p95 latency. Chunks are mapped to their document (first occurrence wins). Runs on
 * embedded PGlite unless DATABASE_URL is set; ingestion always runs in this process.
 * The last line is `hybrid nDCG@10=<x> R@10=<x> R@100=<x> MRR=<x>`.
 * With `--answers`, the answer-quality eval instead (bench/answer-eval.ts; `--data` names its SciFact folder).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { VectorIndexService } from '@fjord/knowledge/vector-index/vector-index.service';
import { fuse, FusionMethod, Normalisation } from '@fjord/search/retrieval/fusion';
import { createApiApp } from '../apps/api/src/create-api-app';
import { runAnswerEval } from './answer-eval';
import { docIdOf, evaluate, loadDataset, type Metrics } from './support/eval-data';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--data');
  const study = args.includes('--fusion-study');
  const dataPath = resolve(at >= 0 && args[at + 1] ? args[at + 1] : '../shared/data/scifact-train');
  if (args.includes('--answers')) return runAnswerEval(dataPath);
  const data = loadDataset(dataPath);
  console.log(`data ${data.name}: ${data.corpus.length} documents, ${data.queries.length} queries with judgements`);

  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-eval-'));
  const adminKey = `eval-${randomBytes(16).toString('hex')}`;
  // Ingestion runs in this process (no REDIS_URL): the eval needs no worker.
  const { REDIS_URL: _redis, ...env } = process.env;
  const config = loadConfig({ ...env, LOG_LEVEL: 'error', DATA_DIR: dataDir, ADMIN_API_KEY: adminKey, PORT: '0', HOST: '127.0.0.1', WORKER_CONCURRENCY: '4' });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/api/knowledge`;
  const post = async (path: string, body: unknown, attempt = 1): Promise<any> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify(body),
      });
    } catch (error) {
      // Embedded PGlite runs on the event loop: under a long ingestion burst an idle keep-alive
      // socket can be reset as it is reused. Every call here is safe to repeat (doc/add by doc_id).
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
      return post(path, body, attempt + 1);
    }
    const json = (await response.json()) as { code: number; message: string; data: any };
    if (json.code !== 0) throw new Error(`${path}: ${json.code} ${json.message}`);
    return json.data;
  };

  try {
    const name = `eval_${randomBytes(4).toString('hex')}`;
    const collection = await post('/collection/create', { name, description: `eval of ${data.name}` });
    const started = Date.now();
    const byDocId = new Map<string, string>();
    for (let i = 0; i < data.corpus.length; i += 32) {
      await Promise.all(
        data.corpus.slice(i, i + 32).map((d) => {
          const docId = docIdOf(d.id);
          byDocId.set(docId, d.id);
          return post('/doc/add', { resource_id: collection.resource_id, add_type: 'text', doc_type: 'txt', doc_id: docId, doc_name: d.title.slice(0, 512) || docId, content: d.text });
        }),
      );
    }
    const db = app.get<Db>(DB);
    for (;;) {
      const { rows } = await db.query<{ pending: number; failed: number }>(
        `SELECT count(*) FILTER (WHERE d.status IN (2, 6))::int AS pending, count(*) FILTER (WHERE d.status = 1)::int AS failed
           FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.resource_id = $1`,
        [collection.resource_id],
      );
      if (rows[0].pending === 0) {
        if (rows[0].failed > 0) console.log(`${rows[0].failed} documents failed to ingest`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const vectorIndex = app.get(VectorIndexService);
    await vectorIndex.settle();
    const { rows: ids } = await db.query<{ id: number }>('SELECT id FROM collections WHERE resource_id = $1', [collection.resource_id]);
    await vectorIndex.rebuildIfNeeded(ids[0].id, true);
    console.log(`ingested in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.database.url ? 'postgres' : 'pglite'})`);

    // Hybrid sends no dense_weight: the collection's default, which follows its embedder.
    const modes: Array<[string, number | undefined]> = [
      ['lexical', 0],
      ['dense', 1],
      ['hybrid', undefined],
    ];
    const results: Array<[string, Metrics]> = [];
    /** Raw single-signal lists (from debug), for the fusion study: query -> [{point id, score}]. */
    const raw = new Map<string, Map<string, Array<{ id: number; score: number }>>>([['lexical', new Map()], ['dense', new Map()]]);
    const pointDoc = new Map<number, string>();
    const pointIds = new Map<string, number>();
    for (const [mode, denseWeight] of modes) {
      const ranked = new Map<string, string[]>();
      const latencies: number[] = [];
      for (const q of data.queries) {
        const t0 = performance.now();
        const res = await post('/collection/search_knowledge', { resource_id: collection.resource_id, query: q.text.slice(0, 8000), limit: 100, ...(denseWeight === undefined ? {} : { dense_weight: denseWeight }), debug: study });
        latencies.push(performance.now() - t0);
        const docs: string[] = [];
        const list = study ? raw.get(mode) : undefined;
        if (list) {
          list.set(
            q.id,
            (res.result_list as Array<{ point_id: string; doc_info: { doc_id: string }; debug: Record<string, { score: number } | null> }>).map((item) => {
              const id = pointIds.get(item.point_id) ?? pointIds.size + 1;
              pointIds.set(item.point_id, id);
              pointDoc.set(id, byDocId.get(item.doc_info.doc_id) ?? item.doc_info.doc_id);
              return { id, score: (item.debug[mode] as { score: number }).score };
            }),
          );
        }
        for (const item of res.result_list as Array<{ doc_info: { doc_id: string } }>) {
          const id = byDocId.get(item.doc_info.doc_id) ?? item.doc_info.doc_id;
          if (!docs.includes(id)) docs.push(id);
        }
        ranked.set(q.id, docs);
      }
      results.push([mode, evaluate(ranked, data, latencies)]);
    }
    const f = (x: number) => x.toFixed(4);
    console.log('mode      nDCG@10  R@10    R@100   MRR     p50 ms  p95 ms');
    for (const [mode, m] of results) {
      console.log(`${mode.padEnd(9)} ${f(m.ndcg10)}  ${f(m.r10)}  ${f(m.r100)}  ${f(m.mrr)}  ${m.p50.toFixed(1).padStart(6)}  ${m.p95.toFixed(1).padStart(6)}`);
    }
    if (study) {
      // The fusion study: every method and weight over the same single-signal lists (top 100 each).
      const variants: Array<[FusionMethod, Normalisation]> = [
        ['blend', { dense: 'minmax', lexical: 'minmax' }],
        ['blend', { dense: 'raw', lexical: 'minmax' }],
        ['blend', { dense: 'raw', lexical: 'max' }],
        ['blend', { dense: 'minmax', lexical: 'max' }],
        ['rrf', { dense: 'minmax', lexical: 'minmax' }],
      ];
      for (const [method, normalisation] of variants) {
        for (const w of [0.3, 0.5, 0.7]) {
          const ranked = new Map<string, string[]>();
          for (const q of data.queries) {
            const fused = fuse(raw.get('dense')?.get(q.id) ?? [], raw.get('lexical')?.get(q.id) ?? [], w, method, normalisation);
            const docs: string[] = [];
            for (const f of fused) {
              const d = pointDoc.get(f.id) as string;
              if (!docs.includes(d)) docs.push(d);
            }
            ranked.set(q.id, docs);
          }
          const m = evaluate(ranked, data, []);
          const label = method === 'rrf' ? 'rrf' : `blend dense=${normalisation.dense} lexical=${normalisation.lexical}`;
          console.log(`study ${label} w=${w}: nDCG@10=${m.ndcg10.toFixed(4)} R@10=${m.r10.toFixed(4)} R@100=${m.r100.toFixed(4)} MRR=${m.mrr.toFixed(4)}`);
        }
      }
    }
    const hybrid = results.find(([mode]) => mode === 'hybrid')?.[1] as Metrics;
    console.log(`hybrid nDCG@10=${f(hybrid.ndcg10)} R@10=${f(hybrid.r10)} R@100=${f(hybrid.r100)} MRR=${f(hybrid.mrr)}`);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
