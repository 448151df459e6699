import 'reflect-metadata';
import { cpuOf, postJson, startBenchApp, summary, timeToFirstFragment, timed } from './support/bench-harness';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { countMessagesTokens } from '@fjord/llm';
import { fakePromptTokens } from '../test/support/fake-openai-server';

/**
 * `npm run bench:context`: the latency fjord's context API adds in front of an upstream that answers
 * instantly (the fake OpenAI server), and the prompt tokens a 20-turn session sends upstream versus
 * what the client sent. Postgres when DATABASE_URL is set (a fresh database), else embedded PGlite.
 * BENCH_ITERATIONS (default 400) sets the samples per measurement.
 */

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const WARMUP = 50;
const ADMIN_KEY = 'bench-admin-key-0123456789';
const MODEL = 'Doubao-1.5-pro-32k';
const SYSTEM = {
  role: 'system' as const,
  content:
    'You are the fjord travel assistant. Answer from the guide below and cite it.\n' +
    Array.from({ length: 40 }, (_, i) => `[${i + 1}] Fjord ${i + 1} is ${10 + i} km long, ${200 + 7 * i} m deep, and best visited between May and September; ferries run hourly from the main harbour.`).join('\n'),
};

/** Milliseconds until the first content chunk of an OpenAI-style stream (which must end with [DONE]). */
const timeToFirstToken = (url: string, body: unknown, key?: string): Promise<number> => timeToFirstFragment(url, body, /"content":"[^"]/, key, '[DONE]');

async function measure(label: string, direct: () => Promise<number>, viaFjord: () => Promise<number>) {
  for (let i = 0; i < WARMUP; i++) {
    await direct();
    await viaFjord();
  }
  const a: number[] = [];
  const b: number[] = [];
  const cpuA: number[] = [];
  const cpuB: number[] = [];
  // Interleaved, so drift (GC, CPU frequency, other load) hits both sides alike.
  for (let i = 0; i < ITERATIONS; i++) {
    const [wa, ca] = await cpuOf(direct);
    const [wb, cb] = await cpuOf(viaFjord);
    a.push(wa);
    b.push(wb);
    cpuA.push(ca);
    cpuB.push(cb);
  }
  const d = summary(a);
  const f = summary(b);
  const cpu = summary(cpuB).p50 - summary(cpuA).p50;
  return { label, direct: d, fjord: f, added: { p50: f.p50 - d.p50, p99: f.p99 - d.p99 }, cpu };
}


async function main(): Promise<void> {
  const bench = await startBenchApp(ADMIN_KEY);
  const { fake, base, backend } = bench;
  try {
    const upstream = `${fake.baseUrl}/chat/completions`;
    const create = (body: Record<string, unknown>) => postJson(`${base}/api/v3/context/create`, { model: MODEL, messages: [SYSTEM], ...body }, ADMIN_KEY);
    const ask = { role: 'user' as const, content: 'Which fjord is deepest, and when should I go?' };

    const prefix = await create({ mode: 'common_prefix' });
    const session = await create({ mode: 'session' });
    const directBody = { model: MODEL, messages: [SYSTEM, ask] };
    fake.reset({ wordsPerChunk: 4 }); // from here on, only fjord's calls are recorded
    const results = [
      await measure(
        'non-streaming, common_prefix',
        () => timed(() => postJson(upstream, directBody)),
        () => timed(() => postJson(`${base}/api/v3/context/chat/completions`, { context_id: prefix.id, model: MODEL, messages: [ask] }, ADMIN_KEY)),
      ),
      await measure(
        'non-streaming, session (history grows to 4096 tokens)',
        // Direct gets the same prompt fjord sent upstream last (prefix + history + turn).
        () => timed(() => postJson(upstream, fake.chatRequests().at(-1) ?? directBody)),
        () => timed(() => postJson(`${base}/api/v3/context/chat/completions`, { context_id: session.id, model: MODEL, messages: [ask] }, ADMIN_KEY)),
      ),
      await measure(
        'streaming, time to first token, common_prefix',
        () => timeToFirstToken(upstream, { ...directBody, stream: true }),
        () => timeToFirstToken(`${base}/api/v3/context/chat/completions`, { context_id: prefix.id, model: MODEL, messages: [ask], stream: true }, ADMIN_KEY),
      ),
    ];

    // A 20-turn session: what the client sends vs what fjord sends upstream.
    fake.reset({ wordsPerChunk: 4 });
    const conversation = await create({ mode: 'session', truncation_strategy: { type: 'last_history_tokens', last_history_tokens: 100_000 } });
    let clientTokens = countMessagesTokens([SYSTEM]); // sent once, at create
    let cachedTokens = 0;
    let reportedPrompt = 0;
    for (let turn = 1; turn <= 20; turn++) {
      const messages = [{ role: 'user' as const, content: `Turn ${turn}: tell me about fjord ${turn} and how deep it is.` }];
      clientTokens += countMessagesTokens(messages);
      const reply = await postJson(`${base}/api/v3/context/chat/completions`, { context_id: conversation.id, model: MODEL, messages }, ADMIN_KEY);
      cachedTokens += reply.usage.prompt_tokens_details.cached_tokens;
      reportedPrompt += reply.usage.prompt_tokens;
    }
    const upstreamTokens = fake.chatRequests().reduce((sum, body) => sum + fakePromptTokens(body), 0);

    const ms = (v: number) => v.toFixed(2).padStart(8);
    console.log(`\nfjord context API benchmark — ${backend}, fake upstream answering instantly, ${ITERATIONS} sequential calls per row (after ${WARMUP} warm-up)\n`);
    console.log(`${'measurement'.padEnd(54)}${'direct p50'.padStart(11)}${'direct p99'.padStart(11)}${'fjord p50'.padStart(11)}${'fjord p99'.padStart(11)}${'added p50'.padStart(11)}${'added p99'.padStart(11)}${'fjord CPU'.padStart(11)}`);
    for (const r of results) {
      console.log(`${r.label.padEnd(54)}${ms(r.direct.p50)} ms${ms(r.direct.p99)} ms${ms(r.fjord.p50)} ms${ms(r.fjord.p99)} ms${ms(r.added.p50)} ms${ms(r.added.p99)} ms${ms(r.cpu)} ms`);
    }
    console.log(`(fjord CPU: median process CPU of a call through fjord minus that of a direct call, i.e. what fjord itself burns per call; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs)`);
    console.log(`\n20-turn session (system prompt ${countMessagesTokens([SYSTEM])} tokens, o200k_base):`);
    console.log(`  tokens the client sent (create + 20 new turns)     ${String(clientTokens).padStart(8)}`);
    console.log(`  prompt tokens fjord sent upstream (20 calls)        ${String(upstreamTokens).padStart(8)}   (usage.prompt_tokens summed: ${reportedPrompt})`);
    console.log(`  of which served from the context cache              ${String(cachedTokens).padStart(8)}   (${((100 * cachedTokens) / reportedPrompt).toFixed(1)}% of prompt tokens)`);
    console.log(`  upstream prompt tokens per client token             ${(upstreamTokens / clientTokens).toFixed(1).padStart(8)}x\n`);
  } finally {
    await bench.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
