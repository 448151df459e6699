/**
 * npm run bench:console — the web console's budgets, against a real fjord (embedded defaults, in this
 * process) serving the production build in dist/console, driven by Debian's Chromium:
 *  1. the first page's JavaScript and CSS as index.html loads them, gzip -9 (budget: JS < 250 kB);
 *  2. time to interactive of the documents page on a collection of DOCS (default 10,000) small text
 *     documents: navigation start to the first row's link being clickable (Playwright's actionability
 *     check), median of LOADS cold loads (a fresh browser context each). Anchor, in the same run: the same
 *     page on an empty collection;
 *  3. the API requests per second one open documents page makes while documents on it are processing
 *     (live status), and once everything is settled, counted from Playwright's request events over WINDOW_S;
 *  4. the operations page: doc/status_summary's latency over every seeded document (anchor in the same run:
 *     collection/list, which counts each collection's documents too), and the requests/s of the open page.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium, CHROMIUM_PATH } from '../test/support/browser';
import { TEST_ADMIN_KEY, TestStack, startTestStack } from '../test/support/test-stack';

const DOCS = Number(process.env.DOCS ?? 10_000);
const LOADS = Number(process.env.LOADS ?? 5);
const WINDOW_S = Number(process.env.WINDOW_S ?? 10);
const LIVE_DOCS = Number(process.env.LIVE_DOCS ?? 1000);
/** The operations page polls every 10 s when settled: a window of several periods. */
const OPS_WINDOW_S = Number(process.env.OPS_WINDOW_S ?? 30);
const SEED_CONCURRENCY = 16;
const CONSOLE_DIR = join(__dirname, '..', 'console');
const VIEWPORT = { width: 1366, height: 860 };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const kB = (bytes: number) => (bytes / 1000).toFixed(1);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** What index.html makes the browser fetch before the first page renders: scripts, module preloads, stylesheets. */
function initialAssets(): { js: { raw: number; gzip: number; files: string[] }; css: { raw: number; gzip: number; files: string[] } } {
  const html = readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8');
  const totals = { js: { raw: 0, gzip: 0, files: [] as string[] }, css: { raw: 0, gzip: 0, files: [] as string[] } };
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const url = /\b(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if (!url || /^https?:/.test(url)) continue;
    const kind = tag.startsWith('<script') || /rel="modulepreload"/.test(tag) ? 'js' : /rel="stylesheet"/.test(tag) ? 'css' : undefined;
    if (!kind) continue;
    const bytes = readFileSync(join(CONSOLE_DIR, url.replace(/^\.?\//, '')));
    totals[kind].raw += bytes.length;
    totals[kind].gzip += gzipSync(bytes, { level: 9 }).length;
    totals[kind].files.push(url);
  }
  return totals;
}

async function addTextDocuments(stack: TestStack, collection: string, count: number, prefix: string): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const added = await stack.post('/api/knowledge/doc/add', {
        collection_name: collection,
        add_type: 'text',
        doc_id: `${prefix}-${String(i).padStart(5, '0')}`,
        doc_name: `${prefix}-${i}.txt`,
        content: `Note ${i} of ${collection}. The pump in hall ${i % 37} was serviced on day ${i % 365}; the valve seal was replaced.`,
      });
      if (added.status !== 200) throw new Error(`doc/add failed: ${JSON.stringify(added.body)}`);
    }
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

/** How many of the collection's documents are still queued or processing (pages through doc/list). */
async function unsettledCount(stack: TestStack, collection: string): Promise<number> {
  let unsettled = 0;
  for (let offset = 0; ; offset += 100) {
    const { body } = await stack.post('/api/knowledge/doc/list', { collection_name: collection, offset, limit: 100 });
    const docs = body.data.doc_list as Array<{ status: { process_status: number } }>;
    unsettled += docs.filter((d) => d.status.process_status !== 0 && d.status.process_status !== 1).length;
    if (offset + 100 >= body.data.total_num) return unsettled;
  }
}

async function waitUntilSettled(stack: TestStack, collection: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await unsettledCount(stack, collection);
    if (left === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

async function signedInState(browser: Browser, baseUrl: string) {
  const context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/`);
  await page.getByLabel('API key').fill(TEST_ADMIN_KEY);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Collections' }).waitFor();
  const state = await context.storageState();
  await context.close();
  return state;
}

type Session = Awaited<ReturnType<typeof signedInState>>;

/** Opens the documents page cold; returns the page and ms from navigation start until it is usable. */
async function openDocumentsPage(browser: Browser, baseUrl: string, session: Session, collection: string, onRequest?: (url: string) => void) {
  const context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, storageState: session });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  if (onRequest) page.on('request', (request) => onRequest(request.url()));
  await page.goto(`${baseUrl}/#/collections/${encodeURIComponent(collection)}`);
  await page.getByRole('heading', { name: `Documents in ${collection}` }).waitFor();
  const firstLink = page.getByTestId('doc-row').first().getByRole('link').first();
  const emptyState = page.getByText('No documents match.');
  await firstLink.or(emptyState).first().waitFor();
  // visible, stable, enabled and receiving the click (Playwright's actionability checks), without clicking
  if (await firstLink.count()) await firstLink.click({ trial: true });
  const ms = (await page.evaluate('performance.now()')) as number;
  return { page, ms, close: () => context.close() };
}

async function timeToInteractive(browser: Browser, baseUrl: string, session: Session, collection: string, expectRows: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const { page, ms, close } = await openDocumentsPage(browser, baseUrl, session, collection);
    const rows = await page.getByTestId('doc-row').count();
    if (expectRows !== rows > 0) throw new Error(`documents page of ${collection}: ${rows} rows`);
    times.push(ms);
    await close();
  }
  return times;
}

const unsettledRows = (statuses: string[]) => statuses.filter((status) => !/done|failed/.test(status)).length;

/** API requests one open documents page makes per second over WINDOW_S, counted after it became usable. */
async function apiRequestRate(browser: Browser, baseUrl: string, session: Session, collection: string): Promise<{ perSecond: number; unsettledAtStart: number; unsettledAtEnd: number }> {
  let counting = false;
  let requests = 0;
  const { page, close } = await openDocumentsPage(browser, baseUrl, session, collection, (url) => {
    if (counting && new URL(url).pathname.startsWith('/api/')) requests++;
  });
  const unsettledAtStart = unsettledRows(await page.getByTestId('doc-status').allTextContents());
  counting = true;
  await page.waitForTimeout(WINDOW_S * 1000);
  counting = false;
  const unsettledAtEnd = unsettledRows(await page.getByTestId('doc-status').allTextContents());
  await close();
  return { perSecond: requests / WINDOW_S, unsettledAtStart, unsettledAtEnd };
}

/** ms of one POST, median of `times` sequential calls (after one warm-up call). */
async function postLatency(stack: TestStack, path: string, body: unknown, times = 15): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i <= times; i++) {
    const started = performance.now();
    const response = await stack.post(path, body);
    if (response.status !== 200) throw new Error(`${path} failed: ${JSON.stringify(response.body)}`);
    if (i > 0) samples.push(performance.now() - started);
  }
  return samples;
}

/** Requests (API and /metrics) one open operations page makes per second over OPS_WINDOW_S, once it shows its counts. */
async function operationsRequestRate(browser: Browser, baseUrl: string, session: Session): Promise<number> {
  const context = await browser.newContext({ locale: 'en-US', viewport: VIEWPORT, storageState: session });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  let counting = false;
  let requests = 0;
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (counting && (path.startsWith('/api/') || path === '/metrics')) requests++;
  });
  await page.goto(`${baseUrl}/#/operations`);
  await page.getByText('No document has failed.').waitFor();
  counting = true;
  await page.waitForTimeout(OPS_WINDOW_S * 1000);
  counting = false;
  await context.close();
  return requests / OPS_WINDOW_S;
}

async function main(): Promise<void> {
  if (!hasChromium) throw new Error(`no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
  console.log(`load average at start: ${load()}`);

  const assets = initialAssets();
  console.log(`initial JS: ${kB(assets.js.gzip)} kB gzip (${kB(assets.js.raw)} kB raw) in ${assets.js.files.join(', ')}; budget 250 kB: ${assets.js.gzip < 250_000 ? 'within' : 'OVER'}`);
  console.log(`initial CSS: ${kB(assets.css.gzip)} kB gzip (${kB(assets.css.raw)} kB raw) in ${assets.css.files.join(', ')}`);

  const stack = await startTestStack('embedded');
  const browser = await launchChromium();
  try {
    for (const name of ['bench_empty', 'bench_many', 'bench_live']) {
      const created = await stack.post('/api/knowledge/collection/create', { name });
      if (created.status !== 200) throw new Error(`collection/create failed: ${JSON.stringify(created.body)}`);
    }
    const started = Date.now();
    await addTextDocuments(stack, 'bench_many', DOCS, 'note');
    const addedS = (Date.now() - started) / 1000;
    const left = await waitUntilSettled(stack, 'bench_many', 240_000);
    console.log(`seeded ${DOCS} documents: added in ${addedS.toFixed(1)} s, settled in ${((Date.now() - started) / 1000).toFixed(1)} s${left ? ` (${left} still unsettled at the time limit)` : ''}`);

    const session = await signedInState(browser, stack.baseUrl);
    console.log(`load average before page loads: ${load()}`);
    const empty = await timeToInteractive(browser, stack.baseUrl, session, 'bench_empty', false);
    const many = await timeToInteractive(browser, stack.baseUrl, session, 'bench_many', true);
    console.log(`time to interactive, empty collection (anchor): median ${median(empty).toFixed(0)} ms (${empty.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`time to interactive, ${DOCS} documents: median ${median(many).toFixed(0)} ms (${many.map((t) => t.toFixed(0)).join(', ')}); ratio to anchor ${(median(many) / median(empty)).toFixed(2)}`);

    // Documents keep arriving while the page is open, so some on it are always queued or processing.
    const adding = addTextDocuments(stack, 'bench_live', LIVE_DOCS, 'live');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const live = await apiRequestRate(browser, stack.baseUrl, session, 'bench_live');
    await adding;
    console.log(`API requests/s, documents processing (added during the window; rows on the page unsettled at its start ${live.unsettledAtStart}, at its end ${live.unsettledAtEnd}): ${live.perSecond.toFixed(2)}`);
    await waitUntilSettled(stack, 'bench_live', 120_000);
    const idle = await apiRequestRate(browser, stack.baseUrl, session, 'bench_live');
    const idleMany = await apiRequestRate(browser, stack.baseUrl, session, 'bench_many');
    console.log(`API requests/s, all settled: ${idle.perSecond.toFixed(2)} (${LIVE_DOCS} documents), ${idleMany.perSecond.toFixed(2)} (${DOCS} documents)`);

    const summaryMs = await postLatency(stack, '/api/knowledge/doc/status_summary', { failure_limit: 20 });
    const listMs = await postLatency(stack, '/api/knowledge/collection/list', {});
    console.log(
      `doc/status_summary over ${DOCS + LIVE_DOCS} documents: median ${median(summaryMs).toFixed(1)} ms; collection/list (anchor): median ${median(listMs).toFixed(1)} ms; ratio ${(median(summaryMs) / median(listMs)).toFixed(2)}`,
    );
    console.log(`requests/s of an open operations page, all settled: ${(await operationsRequestRate(browser, stack.baseUrl, session)).toFixed(2)}`);
    console.log(`load average at end: ${load()}`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
