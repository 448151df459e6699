/**
 * Answer quality: `npm run eval -- --answers [--data <scifact folder>]`.
 *
 * Real knowledge chat (`/api/knowledge/chat/completions` over HTTP) on the embedded defaults (PGlite,
 * local embedder, the extractive answerer `fjord-extractive-v1`) over two question sets:
 * - the hand-written set in bench/answer-questions.json (the shipped samples/ and the answerer's
 *   spec fixtures, English and Chinese, with off-topic questions whose right answer is the refusal);
 * - a fixed SciFact sample: every k-th claim with judgements (about 100), asked of a collection of
 *   about 1,000 abstracts (their gold abstracts plus every m-th other one).
 * An answer "contains gold" when one of its quoted sentences is a gold sentence (hand set) or comes
 * from a gold abstract (SciFact); it "cites gold" when it is not a refusal and one of its references
 * is a gold document ("gold in refs" counts refusals' references too). Rates of on-topic questions,
 * except correct refusals (of off-topic ones) and references per answer (of all).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { loadConfig } from '@fjord/config';
import { DB, Db } from '@fjord/database';
import { NO_ANSWER_TEXT, NO_ANSWER_TEXT_ZH } from '@fjord/llm/extractive/extract-answer';
import { docIdOf, loadBeir } from './support/eval-data';
import { createApiApp } from '../apps/api/src/create-api-app';

const MODEL = 'fjord-extractive-v1';
const SCIFACT_CLAIMS = 100;
const SCIFACT_COLLECTION = 1000;

interface HandSet {
  documents: Array<{ doc_id: string; path?: string; doc_type?: string; content?: string }>;
  questions: Array<{ question: string; gold_sentences?: string[]; gold_docs?: string[]; off_topic?: boolean }>;
}

/** One asked question and what counts as right for it. */
interface Case {
  question: string;
  offTopic: boolean;
  goldDocs: Set<string>;
  /** Whether one quoted sentence (whitespace-normalised) is gold. */
  isGoldSentence: (sentence: string) => boolean;
}

export interface AnswerMetrics {
  onTopic: number;
  offTopic: number;
  containsGold: number;
  citesGold: number;
  /** On-topic questions whose references hold a gold document, answered or refused (retrieval's share). */
  goldInReferences: number;
  correctRefusal: number;
  falseRefusal: number;
  meanReferences: number;
}

const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

export function isRefusal(answer: string): boolean {
  const text = answer.trim();
  return text === NO_ANSWER_TEXT || text === NO_ANSWER_TEXT_ZH;
}

/** The sentences an extractive answer quotes: the text between its `[n]` citation markers. */
export function quotedSentences(answer: string): string[] {
  return answer
    .split(/(?:\s*\[\d+\])+/)
    .map(normalise)
    .filter((s) => s !== '');
}

type Post = (path: string, body: unknown) => Promise<any>;

async function waitForIngestion(db: Db, resourceId: string): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ pending: number; failed: number }>(
      `SELECT count(*) FILTER (WHERE d.status IN (2, 6))::int AS pending, count(*) FILTER (WHERE d.status = 1)::int AS failed
         FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.resource_id = $1`,
      [resourceId],
    );
    if (rows[0].pending === 0) {
      if (rows[0].failed > 0) console.log(`${rows[0].failed} documents failed to ingest`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function loadCollection(post: Post, db: Db, label: string, documents: Array<{ docId: string; name: string; docType: string; content: string }>): Promise<string> {
  const name = `answers_${label}_${randomBytes(4).toString('hex')}`;
  const collection = await post('/collection/create', { name, description: `answer eval: ${label}` });
  for (let i = 0; i < documents.length; i += 32) {
    await Promise.all(
      documents.slice(i, i + 32).map((d) =>
        post('/doc/add', { resource_id: collection.resource_id, add_type: 'text', doc_type: d.docType, doc_id: d.docId, doc_name: d.name.slice(0, 512) || d.docId, content: d.content }),
      ),
    );
  }
  await waitForIngestion(db, collection.resource_id);
  return name;
}

async function ask(post: Post, collectionName: string, cases: Case[]): Promise<AnswerMetrics & { samples: string[] }> {
  let containsGold = 0;
  let citesGold = 0;
  let goldInReferences = 0;
  let correctRefusal = 0;
  let falseRefusal = 0;
  let references = 0;
  const samples: string[] = [];
  for (const c of cases) {
    const data = await post('/chat/completions', { model: MODEL, collection_name: collectionName, messages: [{ role: 'user', content: c.question }] });
    const answer = String(data.generated_answer ?? '');
    const refs = ((data.references ?? []) as Array<{ doc_id: string }>).map((r) => r.doc_id);
    references += refs.length;
    const refused = isRefusal(answer);
    if (c.offTopic) {
      if (refused) correctRefusal++;
      else samples.push(`  off-topic answered: ${c.question} -> ${answer.slice(0, 160)}`);
      continue;
    }
    if (refused) falseRefusal++;
    const contains = !refused && quotedSentences(answer).some(c.isGoldSentence);
    if (contains) containsGold++;
    // A refusal cites nothing, whatever references come with it.
    const goldReferenced = refs.some((r) => c.goldDocs.has(r));
    if (goldReferenced) goldInReferences++;
    if (goldReferenced && !refused) citesGold++;
    if (!contains && samples.length < 12) samples.push(`  ${refused ? 'refused' : 'missed'}: ${c.question.slice(0, 100)} -> ${answer.slice(0, 160)}`);
  }
  const offTopic = cases.filter((c) => c.offTopic).length;
  const onTopic = cases.length - offTopic;
  const share = (n: number, of: number) => (of === 0 ? NaN : n / of);
  return {
    onTopic,
    offTopic,
    containsGold: share(containsGold, onTopic),
    citesGold: share(citesGold, onTopic),
    goldInReferences: share(goldInReferences, onTopic),
    correctRefusal: share(correctRefusal, offTopic),
    falseRefusal: share(falseRefusal, onTopic),
    meanReferences: share(references, cases.length),
    samples,
  };
}

function handDocuments(set: HandSet, root: string) {
  return set.documents.map((d) => {
    const content = d.content ?? readFileSync(join(root, d.path as string), 'utf8');
    const docType = d.doc_type ?? (extname(d.path ?? '').slice(1) || 'txt');
    return { docId: d.doc_id, name: d.doc_id, docType, content };
  });
}

function handCases(set: HandSet): Case[] {
  return set.questions.map((q) => {
    const gold = new Set((q.gold_sentences ?? []).map(normalise));
    return { question: q.question, offTopic: q.off_topic === true, goldDocs: new Set(q.gold_docs ?? []), isGoldSentence: (s) => gold.has(s) };
  });
}

/** A fixed SciFact sample: every k-th judged claim, its gold abstracts, and every m-th other abstract up to the collection size. */
function scifactSample(dir: string) {
  const data = loadBeir(dir);
  const step = Math.max(1, Math.floor(data.queries.length / SCIFACT_CLAIMS));
  const claims = data.queries.filter((_, i) => i % step === 0).slice(0, SCIFACT_CLAIMS);
  const goldIds = new Set(claims.flatMap((q) => [...(data.qrels.get(q.id)?.keys() ?? [])]));
  const others = data.corpus.filter((d) => !goldIds.has(d.id));
  const otherStep = Math.max(1, Math.floor(others.length / Math.max(1, SCIFACT_COLLECTION - goldIds.size)));
  const chosen = [...data.corpus.filter((d) => goldIds.has(d.id)), ...others.filter((_, i) => i % otherStep === 0).slice(0, Math.max(0, SCIFACT_COLLECTION - goldIds.size))];
  const textByDocId = new Map(chosen.map((d) => [docIdOf(d.id), normalise(`${d.title} ${d.text}`)]));
  const documents = chosen.map((d) => ({ docId: docIdOf(d.id), name: d.title, docType: 'txt', content: d.text }));
  const cases: Case[] = claims.map((q) => {
    const goldDocs = new Set([...(data.qrels.get(q.id)?.keys() ?? [])].map(docIdOf));
    const goldTexts = [...goldDocs].map((id) => textByDocId.get(id) ?? '');
    return { question: q.text, offTopic: false, goldDocs, isGoldSentence: (s) => goldTexts.some((t) => t.includes(s)) };
  });
  return { documents, cases };
}

export async function runAnswerEval(scifactDir: string): Promise<void> {
  // npm runs scripts from the package root, as the retrieval eval's default --data assumes.
  const root = resolve('.');
  const handSet = JSON.parse(readFileSync(join(root, 'bench', 'answer-questions.json'), 'utf8')) as HandSet;
  const scifact = scifactSample(scifactDir);

  const dataDir = mkdtempSync(join(tmpdir(), 'fjord-answer-eval-'));
  const adminKey = `eval-${randomBytes(16).toString('hex')}`;
  // The embedded defaults: no upstream model, no Redis (ingestion in this process).
  const { REDIS_URL: _redis, LLM_BASE_URL: _llm, ...env } = process.env;
  const config = loadConfig({ ...env, LOG_LEVEL: 'error', DATA_DIR: dataDir, ADMIN_API_KEY: adminKey, PORT: '0', HOST: '127.0.0.1', WORKER_CONCURRENCY: '4' });
  const app = await createApiApp(config);
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/api/knowledge`;
  const post: Post = async (path, body) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` }, body: JSON.stringify(body) });
    const json = (await response.json()) as { code: number; message: string; data: any };
    if (json.code !== 0) throw new Error(`${path}: ${json.code} ${json.message}`);
    return json.data;
  };
  try {
    const db = app.get<Db>(DB);
    const started = Date.now();
    const handCollection = await loadCollection(post, db, 'hand', handDocuments(handSet, root));
    const scifactCollection = await loadCollection(post, db, 'scifact', scifact.documents);
    console.log(`answer eval: ${handSet.documents.length} hand-set documents, ${scifact.documents.length} SciFact abstracts ingested in ${((Date.now() - started) / 1000).toFixed(1)} s (${config.database.url ? 'postgres' : 'pglite'})`);

    const t0 = Date.now();
    const hand = await ask(post, handCollection, handCases(handSet));
    const sci = await ask(post, scifactCollection, scifact.cases);
    const seconds = (Date.now() - t0) / 1000;
    const pct = (x: number) => (Number.isNaN(x) ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);
    console.log(`answered ${hand.onTopic + hand.offTopic + sci.onTopic} questions in ${seconds.toFixed(1)} s with ${MODEL}`);
    console.log('set        on-topic off-topic contains-gold cites-gold gold-in-refs correct-refusal false-refusal refs/answer');
    for (const [label, m] of [['hand', hand], ['scifact', sci]] as const) {
      console.log(
        `${label.padEnd(10)} ${String(m.onTopic).padStart(8)} ${String(m.offTopic).padStart(9)} ${pct(m.containsGold).padStart(13)} ${pct(m.citesGold).padStart(10)} ${pct(m.goldInReferences).padStart(12)} ${pct(m.correctRefusal).padStart(15)} ${pct(m.falseRefusal).padStart(13)} ${m.meanReferences.toFixed(2).padStart(11)}`,
      );
    }
    for (const [label, m] of [['hand', hand], ['scifact', sci]] as const) {
      if (m.samples.length > 0) console.log(`${label} misses (first ${m.samples.length}):\n${m.samples.join('\n')}`);
    }
    console.log(
      `answers hand contains-gold=${pct(hand.containsGold).trim()} cites-gold=${pct(hand.citesGold).trim()} correct-refusal=${pct(hand.correctRefusal).trim()} false-refusal=${pct(hand.falseRefusal).trim()}; scifact contains-gold=${pct(sci.containsGold).trim()} cites-gold=${pct(sci.citesGold).trim()} false-refusal=${pct(sci.falseRefusal).trim()}`,
    );
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
