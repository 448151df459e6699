import 'reflect-metadata';
import { DB, Db } from '@fjord/database';
import { cpuOf, postJson, startBenchApp, summary, timeToFirstFragment, timed } from './support/bench-harness';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * `npm run bench:chat`: the latency fjord's knowledge chat adds per call (retrieval over a
 * 10k-chunk collection, prompt building, the context-cache lookup, citation filtering) in front
 * of an upstream that answers instantly (the fake OpenAI server), non-streaming and time to the
 * first streamed fragment, through knowledge chat and through a bot; and the share of prompt tokens served from the context cache over a
 * 10-question conversation. The collection is loaded through the real ingestion path in this
 * process (doc/add over HTTP, the in-process job runner: parse, chunk, embed, index).
 * Postgres when DATABASE_URL is set (a fresh database), else embedded PGlite.
 * BENCH_ITERATIONS (default 300) sets the samples per measurement; BENCH_DOCS x BENCH_SECTIONS the chunks.
 */

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300);
const WARMUP = 30;
const DOCS = Number(process.env.BENCH_DOCS ?? 100);
const SECTIONS = Number(process.env.BENCH_SECTIONS ?? 100);
const ADMIN_KEY = 'bench-admin-key-0123456789';
const MODEL = 'Doubao-1.5-pro-32k';
const KB = '/api/knowledge';

const SYLLABLES = ['kar', 'vik', 'dal', 'sund', 'fjel', 'hav', 'strand', 'berg', 'nes', 'holm', 'øy', 'lia', 'mo', 'rud', 'voll', 'skog', 'bakk', 'elv', 'tind', 'vann'];
const MONTHS = ['May', 'June', 'July', 'August', 'September'];
const FOODS = ['brown cheese', 'cured lamb', 'smoked salmon', 'fish soup', 'waffles', 'cloudberries'];

/** A unique made-up fjord name per (doc, section): three syllables from the index. */
function fjordName(doc: number, section: number): string {
  const n = doc * SECTIONS + section;
  const a = SYLLABLES[n % 20];
  const b = SYLLABLES[Math.floor(n / 20) % 20];
  const c = SYLLABLES[Math.floor(n / 400) % 20];
  const name = `${a}${b}${c}`;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function documentText(doc: number): string {
  const sections = Array.from({ length: SECTIONS }, (_, s) => {
    const name = fjordName(doc, s);
    const n = doc * SECTIONS + s;
    return [
      `## The ${name} fjord`,
      '',
      `The ${name} fjord in region ${doc + 1} is ${5 + (n % 180)} kilometres long and ${50 + ((n * 37) % 1250)} metres deep.`,
      `Ferries leave the ${name} harbour every ${10 + (n % 50)} minutes, and the best season to visit is ${MONTHS[n % MONTHS.length]}.`,
      `Visitors to ${name} should try the local ${FOODS[n % FOODS.length]}; the nearest campsite is ${1 + (n % 12)} km from the water.`,
    ].join('\n');
  });
  return `# Region ${doc + 1} fjord guide\n\n${sections.join('\n\n')}\n`;
}

/** Interleaved pairs (fjord call, then the same prompt straight to the upstream), so drift hits both alike. */
async function measure(label: string, viaFjord: (i: number) => Promise<number>, direct: () => Promise<number>) {
  for (let i = 0; i < WARMUP; i++) {
    await viaFjord(i);
    await direct();
  }
  const a: number[] = [];
  const b: number[] = [];
  const cpuA: number[] = [];
  const cpuB: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const [wb, cb] = await cpuOf(() => viaFjord(WARMUP + i));
    const [wa, ca] = await cpuOf(direct);
    a.push(wa);
    b.push(wb);
    cpuA.push(ca);
    cpuB.push(cb);
  }
  const d = summary(a);
  const f = summary(b);
  return { label, direct: d, fjord: f, added: { p50: f.p50 - d.p50, p99: f.p99 - d.p99 }, cpu: summary(cpuB).p50 - summary(cpuA).p50 };
}

/** Every call here is idempotent, so network errors are retried: while in-process ingestion keeps the
 * event loop busy, a keep-alive socket can close just as the next request goes out. */
const post = (url: string, body: unknown, key?: string) => postJson(url, body, key, 2);

async function main(): Promise<void> {
  const bench = await startBenchApp(ADMIN_KEY);
  const { fake, base, backend } = bench;
  try {
    // 1. The collection, through the ingestion path.
    const loadStarted = performance.now();
    await post(`${base}${KB}/collection/create`, { name: 'fjords', preprocessing: { merge_small_chunks: false } }, ADMIN_KEY);
    for (let d = 0; d < DOCS; d++) {
      await post(`${base}${KB}/doc/add`, { collection_name: 'fjords', add_type: 'text', doc_type: 'md', doc_id: `region-${d + 1}`, doc_name: `region-${d + 1}.md`, content: documentText(d) }, ADMIN_KEY);
    }
    for (;;) {
      const list = await post(`${base}${KB}/doc/list`, { collection_name: 'fjords', limit: 100 }, ADMIN_KEY);
      const pending = list.data.doc_list.filter((doc: any) => doc.status.process_status !== 0);
      if (pending.some((doc: any) => doc.status.process_status === 1)) throw new Error('a document failed to ingest');
      if (pending.length === 0 && list.data.total_num === DOCS) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const points = (await post(`${base}${KB}/point/list`, { collection_name: 'fjords', limit: 1 }, ADMIN_KEY)).data.total_num as number;
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    // Measure the steady state: what autovacuum does within about a minute of a bulk load (the
    // visibility map lets BM25's index-only scans skip the heap; fresh statistics for the planner).
    await bench.app.get<Db>(DB).query('VACUUM ANALYZE points, point_terms');

    // 2. Latency: each call asks about a different fjord (retrieval runs for real every time).
    const question = (i: number) => {
      const d = (i * 7919) % DOCS;
      const s = (i * 104729) % SECTIONS;
      return `How deep is the ${fjordName(d, s)} fjord, and when should I visit?`;
    };
    // Every chunk contains "fjord", "deep", "visit"…: BM25 walks their postings over all 10k chunks.
    // This variant's only matching term is the fjord's unique name.
    const rareQuestion = (i: number) => `Describe ${fjordName((i * 7919) % DOCS, (i * 104729) % SECTIONS)}.`;
    const chatBody = (i: number, stream: boolean) => ({ model: MODEL, collection_name: 'fjords', stream, messages: [{ role: 'user', content: question(i) }] });
    const upstream = `${fake.baseUrl}/chat/completions`;
    const lastPrompt = () => fake.chatRequests().at(-1) as object;
    const results = [
      await measure(
        'non-streaming (retrieval + answer)',
        (i) => timed(() => post(`${base}${KB}/chat/completions`, chatBody(i, false), ADMIN_KEY)),
        () => timed(() => post(upstream, { ...lastPrompt(), stream: false })),
      ),
      await measure(
        'non-streaming, question naming only the fjord',
        (i) => timed(() => post(`${base}${KB}/chat/completions`, { ...chatBody(i, false), messages: [{ role: 'user', content: rareQuestion(i) }] }, ADMIN_KEY)),
        () => timed(() => post(upstream, { ...lastPrompt(), stream: false })),
      ),
      await measure(
        'streaming, time to first fragment',
        (i) => timeToFirstFragment(`${base}${KB}/chat/completions`, chatBody(i, true), /"generated_answer":"[^"]/, ADMIN_KEY),
        () => timeToFirstFragment(upstream, { ...lastPrompt(), stream: true }, /"content":"[^"]/),
      ),
    ];
    // The same questions through a bot over the collection (Ark Bot v2 chat, JSON and SSE).
    const bot = await post(`${base}/api/v2/bots`, { name: 'fjord guide', model: MODEL, knowledge: { collections: [{ name: 'fjords' }] } }, ADMIN_KEY);
    const botChat = `${base}/api/v2/bots/${bot.id as string}/chat`;
    const botBody = (i: number, stream: boolean) => ({ stream, messages: [{ role: 'user', content: question(i) }] });
    results.push(
      await measure(
        'bot chat, non-streaming',
        (i) => timed(() => post(botChat, botBody(i, false), ADMIN_KEY)),
        () => timed(() => post(upstream, { ...lastPrompt(), stream: false })),
      ),
      await measure(
        'bot chat, streaming, time to first fragment',
        (i) => timeToFirstFragment(botChat, botBody(i, true), /"content":"[^"]/, ADMIN_KEY),
        () => timeToFirstFragment(upstream, { ...lastPrompt(), stream: true }, /"content":"[^"]/),
      ),
    );
    // For scale: retrieval alone (search_knowledge over HTTP, same questions, limit 5), no upstream call.
    const searchOnly = await measure(
      'search_knowledge alone (for scale)',
      (i) => timed(() => post(`${base}${KB}/collection/search_knowledge`, { collection_name: 'fjords', query: question(i), limit: 5 }, ADMIN_KEY)),
      async () => 0,
    );

    // 3. A 10-question conversation about one fjord: prompt tokens served from the context cache.
    const topic = fjordName(42 % DOCS, 17 % SECTIONS);
    const questions = [
      `Tell me about the ${topic} fjord.`,
      'How deep is it?',
      'And how long is it?',
      'When is the best season to visit?',
      'How often do the ferries leave?',
      'What food should I try there?',
      'How far is the campsite from the water?',
      'Which region is it in?',
      'Is it longer than 100 kilometres?',
      'Thanks! Can you summarise all of that?',
    ];
    const conversation = async (limit: number) => {
      const messages: Array<{ role: string; content: string }> = [];
      let prompt = 0;
      let cached = 0;
      let hits = 0;
      for (const q of questions) {
        messages.push({ role: 'user', content: q });
        const reply = await post(`${base}${KB}/chat/completions`, { model: MODEL, collection_name: 'fjords', limit, messages }, ADMIN_KEY);
        const usage = JSON.parse(reply.data.usage);
        prompt += usage.prompt_tokens;
        cached += usage.prompt_tokens_details.cached_tokens;
        if (usage.prompt_tokens_details.cached_tokens > 0) hits++;
        messages.push({ role: 'assistant', content: reply.data.generated_answer });
      }
      return { limit, prompt, cached, hits };
    };
    const conversations = [await conversation(5), await conversation(3), await conversation(1)];

    const ms = (v: number) => v.toFixed(2).padStart(8);
    console.log(`\nfjord knowledge chat benchmark — ${backend}, fake upstream answering instantly`);
    console.log(`collection: ${points} chunks in ${DOCS} documents, loaded through doc/add + the in-process ingestion runner in ${loadSeconds.toFixed(1)} s`);
    console.log(`${ITERATIONS} sequential calls per row (after ${WARMUP} warm-up), default limit (5 passages), a different question each call\n`);
    console.log(`${'measurement'.padEnd(48)}${'direct p50'.padStart(11)}${'direct p99'.padStart(11)}${'fjord p50'.padStart(11)}${'fjord p99'.padStart(11)}${'added p50'.padStart(11)}${'added p99'.padStart(11)}${'fjord CPU'.padStart(11)}`);
    for (const r of results) {
      console.log(`${r.label.padEnd(48)}${ms(r.direct.p50)} ms${ms(r.direct.p99)} ms${ms(r.fjord.p50)} ms${ms(r.fjord.p99)} ms${ms(r.added.p50)} ms${ms(r.added.p99)} ms${ms(r.cpu)} ms`);
    }
    console.log(`${searchOnly.label.padEnd(48)}${''.padStart(25)}${ms(searchOnly.fjord.p50)} ms${ms(searchOnly.fjord.p99)} ms${''.padStart(25)}${ms(searchOnly.cpu)} ms`);
    console.log(`(direct: the same prompt fjord sent, straight to the upstream; fjord CPU: median process CPU of a fjord call minus a direct one; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs)`);
    console.log(`\n10-question conversation about one fjord (follow-ups rewritten from the conversation):`);
    for (const c of conversations) {
      console.log(`  limit ${c.limit}: ${c.cached} of ${c.prompt} prompt tokens served from the context cache (${((100 * c.cached) / c.prompt).toFixed(1)}%), cache hit on ${c.hits} of ${questions.length} calls`);
    }
    console.log('');
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
