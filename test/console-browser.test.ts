import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CHROMIUM_PATH, hasChromium, launchChromium, screenshot, seriousAxeViolations } from './support/browser';
import { buildPdf } from './support/document-fixtures';
import { TEST_ADMIN_KEY, TestStack, startTestStack } from './support/test-stack';

const CONSOLE_BUILT = existsSync(join(__dirname, '..', 'dist', 'console', 'index.html'));

if (!hasChromium) {
  // eslint-disable-next-line no-console
  console.warn(`console browser suite SKIPPED: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH); CI installs it in .ci/run`);
}

const HANDBOOK_MD = `# Travel handbook

## Expenses

Travel expenses are reimbursed within 30 days when the receipts are filed in the expense tool.
Hotel costs above 180 euros per night need the approval of a director.

## 差旅报销

差旅费用在提交发票后三十天内报销。每晚超过一百八十欧元的酒店需要总监批准。

## Equipment

Laptops are replaced every four years; a broken laptop is swapped the same day at the service desk.
`;

const SAFETY_PDF = buildPdf([
  ['Safety manual', 'Calibration of the pressure gauge takes two technicians.', 'The gauge is calibrated every six months by the workshop.'],
]);

/**
 * The console end to end in a real Chromium, as a person would use it: sign in, create a collection,
 * upload, watch processing, fix a chunk, test retrieval, chat, mint a bot key, sign out.
 * One browser page walks through the tests in order; each test leaves a screenshot in test-results/console.
 */
(hasChromium ? describe : describe.skip)('web console in Chromium', () => {
  let stack: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  let botKey = '';

  beforeAll(async () => {
    if (!CONSOLE_BUILT) throw new Error('dist/console is missing: npm run build builds the console');
    stack = await startTestStack('embedded');
    browser = await launchChromium();
    // Reduced motion: no modal or button transitions, so the accessibility check never sees a half-faded
    // element (its contrast mid-transition is not what a person reads).
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1366, height: 860 }, reducedMotion: 'reduce' });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterEach(async () => {
    if (page) await screenshot(page, expect.getState().currentTestName ?? 'console');
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const expectAccessible = async (selector?: string) => expect(await seriousAxeViolations(page, selector)).toEqual([]);
  const api = (path: string, body: unknown) => stack.post(path, body);

  it('signs in with an API key (a wrong key is refused readably)', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.getByLabel('API key').fill('not-the-key-000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid API key' }).waitFor();
    await expectAccessible();
    await page.getByLabel('API key').fill(TEST_ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Collections' }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'fjord_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(session?.value).not.toContain(TEST_ADMIN_KEY);
    // The key is nowhere in the page's storage.
    expect(await page.evaluate('JSON.stringify({ ...localStorage }) + document.cookie')).not.toContain(TEST_ADMIN_KEY);
  }, 60_000);

  it('switches to Chinese and back', async () => {
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '知识库' }).waitFor();
    await expectAccessible();
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('heading', { name: 'Collections' }).waitFor();
  }, 60_000);

  it('creates a collection with a declared meta field', async () => {
    await page.getByRole('button', { name: 'New collection' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Name/).fill('handbook');
    await dialog.getByLabel('Description').fill('company handbook');
    await dialog.getByRole('button', { name: 'Add a field' }).click();
    await dialog.getByLabel('Field name').fill('team');
    // One chunk per section, so each can be edited and found on its own.
    await dialog.getByLabel('Merge small neighbouring chunks').uncheck();
    await expectAccessible();
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('link', { name: 'handbook' }).waitFor();
    const info = await api('/api/knowledge/collection/info', { name: 'handbook' });
    expect(info.body.data.fields).toEqual([{ field_name: 'team', field_type: 'string' }]);
  }, 60_000);

  it('uploads a Markdown and a PDF file at once and watches both reach done without reloading', async () => {
    await page.getByRole('link', { name: 'handbook' }).click();
    await page.getByRole('heading', { name: 'Documents in handbook' }).waitFor();
    const requestsBefore = (await page.evaluate("performance.getEntriesByType('resource').length")) as number;
    await page.locator('input[type=file]').setInputFiles([
      { name: 'handbook.md', mimeType: 'text/markdown', buffer: Buffer.from(HANDBOOK_MD) },
      { name: 'safety.pdf', mimeType: 'application/pdf', buffer: SAFETY_PDF },
    ]);
    await page.getByTestId('upload-row').filter({ hasText: 'stored' }).nth(1).waitFor();
    const rows = page.getByTestId('doc-row');
    await rows.filter({ hasText: 'handbook.md' }).getByTestId('doc-status').filter({ hasText: 'done' }).waitFor({ timeout: 45_000 });
    await rows.filter({ hasText: 'safety.pdf' }).getByTestId('doc-status').filter({ hasText: 'done' }).waitFor({ timeout: 45_000 });
    expect(await rows.count()).toBe(2);
    // The status changed without a navigation: the page polled doc/list itself.
    expect(await page.evaluate("performance.getEntriesByType('navigation').length")).toBe(1);
    expect(await page.evaluate("performance.getEntriesByType('resource').length")).toBeGreaterThan(requestsBefore);
    await expectAccessible();
  }, 90_000);

  it('shows why a document failed, and retries it', async () => {
    await page.locator('input[type=file]').setInputFiles([{ name: 'broken.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 this is not really a pdf') }]);
    const row = page.getByTestId('doc-row').filter({ hasText: 'broken.pdf' });
    await row.getByTestId('doc-status').filter({ hasText: 'failed' }).waitFor({ timeout: 45_000 });
    const reason = (await row.textContent()) ?? '';
    expect(reason).toMatch(/\d+: PDF could not be read/); // failed_code: failed_reason
    const retried = page.waitForResponse((r) => r.url().endsWith('/api/knowledge/doc/retry'));
    await row.getByRole('button', { name: /^Actions for broken.pdf/ }).click();
    await page.getByRole('menuitem', { name: 'Retry' }).click();
    expect((await retried).status()).toBe(200);
    await row.getByTestId('doc-status').filter({ hasText: 'failed' }).waitFor({ timeout: 45_000 });
    await page.keyboard.press('Escape');
  }, 90_000);

  it('the operations page counts documents by status, lists recent failures with their reasons, and retries one', async () => {
    // An image sent as text: the parser refuses it with a reason a person can act on.
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256));
    await page.locator('input[type=file]').setInputFiles([{ name: 'photo.txt', mimeType: 'text/plain', buffer: binary }]);
    await page.getByTestId('doc-row').filter({ hasText: 'photo.txt' }).getByTestId('doc-status').filter({ hasText: 'failed' }).waitFor({ timeout: 45_000 });

    await page.getByRole('navigation').getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    await page.getByTestId('status-count-failed').filter({ hasText: 'failed: 2' }).waitFor();
    await expect(page.getByTestId('status-count-done').textContent()).resolves.toBe('done: 2');
    const failures = page.getByTestId('failure-row');
    const photo = failures.filter({ hasText: 'photo.txt' });
    await expect(photo.getByTestId('failure-reason').textContent()).resolves.toMatch(/^\d+: the file is binary, not text/);
    await expect(failures.filter({ hasText: 'broken.pdf' }).getByTestId('failure-reason').textContent()).resolves.toMatch(/PDF could not be read/);
    await expect(photo.textContent()).resolves.toContain('handbook');
    await expectAccessible();
    await screenshot(page, 'operations page with recent failures');

    const docId = (await photo.getAttribute('data-doc-id')) as string;
    const failedAt = (await photo.getAttribute('data-update-time')) as string;
    const retried = page.waitForResponse((r) => r.url().endsWith('/api/knowledge/doc/retry'));
    await photo.getByRole('button', { name: 'Retry photo.txt' }).focus();
    await page.keyboard.press('Enter'); // usable from the keyboard
    expect((await retried).status()).toBe(200);
    // Processed again from its stored bytes, it fails again for the same reason and is listed again, as a newer failure.
    const again = page.locator(`[data-testid=failure-row][data-doc-id="${docId}"]:not([data-update-time="${failedAt}"])`);
    await again.waitFor({ timeout: 45_000 });
    await expect(again.getByTestId('failure-reason').textContent()).resolves.toMatch(/binary, not text/);
    await expect(page.getByTestId('status-count-failed').textContent()).resolves.toBe('failed: 2');

    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('heading', { name: '最近失败' }).waitFor();
    await expect(page.getByTestId('status-count-failed').textContent()).resolves.toBe('失败: 2');
    await expectAccessible();
    await page.getByLabel('语言').selectOption('en');

    // The document's link opens its collection filtered to it, with its status and actions.
    await photo.getByRole('link', { name: 'photo.txt' }).click();
    await page.getByRole('heading', { name: 'Documents in handbook' }).waitFor();
    await expect(page.getByLabel('doc_id').inputValue()).resolves.toBe(docId);
    await page.getByTestId('doc-total').filter({ hasText: '1 documents' }).waitFor();
    await expect(page.getByTestId('doc-row').getByTestId('doc-status').textContent()).resolves.toBe('failed');
    await page.getByRole('navigation').getByRole('link', { name: 'Collections' }).click();
    await page.getByRole('link', { name: 'handbook' }).click();
    await page.getByTestId('doc-total').filter({ hasText: '4 documents' }).waitFor();
  }, 90_000);

  it('opens a document\'s chunks and edits one', async () => {
    await page.getByRole('link', { name: 'handbook.md' }).click();
    await page.getByRole('heading', { name: 'Chunks of handbook.md' }).waitFor();
    const chunks = page.getByTestId('chunk');
    await chunks.first().waitFor();
    expect(await chunks.count()).toBeGreaterThanOrEqual(3);
    await expect(chunks.first().textContent()).resolves.toMatch(/#0/);
    const target = chunks.filter({ hasText: 'Laptops are replaced' });
    await target.getByRole('button', { name: /^Edit chunk/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Content').fill('Laptops are replaced every three years; zanzibarite docking stations are lent by the service desk.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('chunk-content').filter({ hasText: 'zanzibarite docking stations' }).waitFor();
    await page.getByRole('dialog').waitFor({ state: 'detached' }); // axe would see the closing dialog's fading overlay
    const points = await api('/api/knowledge/point/list', { collection_name: 'handbook', limit: 100 });
    const edited = (points.body.data.point_list as Array<{ content: string }>).find((p) => p.content.includes('zanzibarite'));
    expect(edited).toBeDefined();
    await expectAccessible();
  }, 60_000);

  it('runs a retrieval test whose dense, lexical and fused columns are filled; the Chinese query works too', async () => {
    await page.getByRole('link', { name: 'Retrieval test' }).click();
    await page.getByRole('heading', { name: 'Retrieval test' }).waitFor();
    // The slider starts at the collection's own default (the local hashing embedder's 0.3), as a search without it would.
    const info = await api('/api/knowledge/collection/info', { name: 'handbook' });
    expect(info.body.data.default_dense_weight).toBe(0.3);
    const slider = page.getByRole('slider');
    await expect(slider.getAttribute('aria-valuenow')).resolves.toBe('0.3');
    await slider.focus();
    await page.keyboard.press('ArrowRight');
    await expect(slider.getAttribute('aria-valuenow')).resolves.toBe('0.35');
    await page.getByTestId('dense-weight-default').click();
    await expect(slider.getAttribute('aria-valuenow')).resolves.toBe('0.3');
    await page.getByLabel('Query').fill('zanzibarite docking stations');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByTestId('result-row');
    await rows.first().waitFor();
    await expect(rows.first().textContent()).resolves.toContain('zanzibarite');
    for (const column of ['debug-dense', 'debug-lexical', 'debug-fused']) {
      await expect(rows.first().getByTestId(column).textContent()).resolves.toMatch(/#\d+ · \d/);
    }
    await page.getByLabel('Query').fill('酒店需要谁批准');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('search-summary').filter({ hasText: '酒店需要谁批准' }).waitFor();
    await expect(rows.first().textContent()).resolves.toContain('总监批准');
    await expectAccessible();
  }, 60_000);

  it('chats over the collection with a streamed answer, usage and a citation that opens the cited chunk', async () => {
    await page.getByRole('link', { name: 'Chat' }).click();
    await page.getByRole('heading', { name: 'Chat playground' }).waitFor();
    const streamed = page.waitForResponse((r) => r.url().endsWith('/api/knowledge/chat/completions'));
    await page.getByLabel('Message').fill('How many technicians does calibration of the pressure gauge take?');
    await page.getByRole('button', { name: 'Send' }).click();
    expect((await streamed).headers()['content-type']).toMatch(/text\/event-stream/);
    const answer = page.getByTestId('answer');
    await answer.getByTestId('usage').waitFor();
    await expect(answer.textContent()).resolves.toMatch(/two technicians/);
    await expect(answer.getByTestId('usage').textContent()).resolves.toMatch(/cached \d+/);
    const citation = answer.getByTestId('citation').filter({ hasText: 'safety.pdf' }).first();
    // The citation names the page it stands on, and so does the chunk it opens.
    await expect(citation.textContent()).resolves.toMatch(/safety\.pdf #\d+, p\. 1$/);
    await expectAccessible();
    await citation.click();
    await page.getByRole('heading', { name: 'Chunks of safety.pdf' }).waitFor();
    const highlighted = page.locator('[data-testid=chunk][aria-current=true]');
    await expect(highlighted.textContent()).resolves.toContain('two technicians');
    await expect(highlighted.getByTestId('chunk-position').textContent()).resolves.toBe('p. 1');
  }, 60_000);

  it('creates a bot, mints a temporary key for it and the key works for that bot', async () => {
    await page.getByRole('link', { name: 'Bots' }).click();
    await page.getByRole('button', { name: 'New bot' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/^Name/).fill('handbook bot');
    await dialog.getByLabel('System prompt').fill('Answer from the handbook.');
    await dialog.getByRole('textbox', { name: 'Collections' }).fill('hand');
    await page.getByRole('option', { name: 'handbook' }).click();
    await dialog.getByLabel('System prompt').click(); // closes the options list
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.getByTestId('bot-row').filter({ hasText: 'handbook bot' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Mint key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Mint key' }).click();
    const key = (await page.getByTestId('minted-key').textContent())?.trim() as string;
    expect(key).toMatch(/^fjord-bot-/);
    botKey = key;
    // The page behind an open dialog is dimmed by its overlay: check the dialog, then the page once it is closed.
    await expectAccessible('[role=dialog]');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expectAccessible();
    const bots = (await (await fetch(`${stack.baseUrl}/api/v2/bots`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json()) as { bots: Array<{ id: string; name: string }> };
    const botId = bots.bots.find((b) => b.name === 'handbook bot')?.id as string;
    const chat = await fetch(`${stack.baseUrl}/api/v2/bots/${botId}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'When are travel expenses reimbursed?' }] }),
    });
    expect(chat.status).toBe(200);
  }, 60_000);

  it('mints an admin key and an access-key pair (secrets shown once), and revokes the key', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByLabel('Description of the key').fill('console test');
    await page.getByRole('button', { name: 'Mint an admin key' }).click();
    const secret = (await page.getByTestId('new-secret').textContent())?.trim() as string;
    expect(secret).toMatch(/^fjord-admin-/);
    expect((await stack.post('/api/knowledge/collection/list', {}, secret)).status).toBe(200);
    const row = page.getByTestId('api-key-row').filter({ hasText: 'console test' });
    await row.waitFor();
    await page.getByLabel('Description of the pair').fill('sdk');
    await page.getByRole('button', { name: 'Mint a pair' }).click();
    await page.getByTestId('access-key-row').filter({ hasText: 'sdk' }).waitFor();
    await expectAccessible();
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.waitFor({ state: 'detached' });
    expect((await stack.post('/api/knowledge/collection/list', {}, secret)).status).toBe(401);
  }, 60_000);

  it('signs out: back to the sign-in page, and the old cookie no longer works', async () => {
    const cookie = (await context.cookies()).find((c) => c.name === 'fjord_session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const reused = await fetch(`${stack.baseUrl}/console/session`, { headers: { cookie: `fjord_session=${cookie?.value}` } });
    expect(reused.status).toBe(401);
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('a bot\'s temporary key signs in to the chat with its bot only', async () => {
    expect(botKey).toMatch(/^fjord-bot-/);
    await page.getByLabel('API key').fill(botKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Chat playground' }).waitFor();
    await expect(page.getByText('scoped key').first().isVisible()).resolves.toBe(true);
    const navigation = page.getByRole('navigation');
    await expect(navigation.getByRole('link').allTextContents()).resolves.toEqual(['Chat']);
    await expect(page.getByLabel('Bot').locator('option').allTextContents()).resolves.toEqual([expect.stringMatching(/^handbook bot \(bot-/)]);
    // Pages the key may not use are not offered: their address leads back to the chat.
    await page.goto(`${stack.baseUrl}/#/collections`);
    await page.getByRole('heading', { name: 'Chat playground' }).waitFor();
    const streamed = page.waitForResponse((r) => /\/api\/v2\/bots\/[^/]+\/chat$/.test(r.url()));
    await page.getByLabel('Message').fill('When are travel expenses reimbursed?');
    await page.getByRole('button', { name: 'Send' }).click();
    expect((await streamed).status()).toBe(200);
    const answer = page.getByTestId('answer');
    await answer.getByTestId('usage').waitFor();
    await expect(answer.textContent()).resolves.toMatch(/30 days/);
    await expectAccessible();
    await screenshot(page, 'chat with a bot key');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
