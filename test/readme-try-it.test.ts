import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, until } from './support/processes';

/**
 * The README's "Try it" as a newcomer runs it: the built app started as `npm start` starts it (embedded
 * defaults, a fresh ./data, the admin key it writes there), then every command of the section's bash
 * blocks, in order, in bash, each checked against the output the README shows under it (`#  ` lines;
 * `...` elides, ids and scores may differ). Between the upload and the next command the test waits for
 * the documents to be done, as a person reading the next line would. Needs bash, curl and jq, which
 * the commands use; skipped without them.
 */
const ROOT = join(__dirname, '..');
const API_MAIN = join(ROOT, 'dist/apps/api/src/main.js');

interface Step {
  command: string;
  expected: string[];
}

/** The commands of the bash blocks under "### Try it", each with the output lines shown under it. */
function tryItSteps(readme: string): Step[] {
  const start = readme.indexOf('### Try it');
  const end = readme.indexOf('\n### ', start + 1);
  const section = readme.slice(start, end);
  const steps: Step[] = [];
  for (const block of section.matchAll(/```bash\n([\s\S]*?)```/g)) {
    for (const line of block[1].split('\n')) {
      if (line.startsWith('#  ')) steps[steps.length - 1]?.expected.push(line.slice(3));
      else if (line.trim() !== '') steps.push({ command: line, expected: [] });
    }
  }
  return steps;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A shown output line as a pattern: its `...`-separated fragments in order, with generated ids
 * (kb-..., hex) and decimal scores free.
 */
function shownAsPattern(shown: string): RegExp {
  const fragments = shown
    .split('...')
    .map((fragment) => fragment.trim())
    .filter((fragment) => fragment !== '')
    .map((fragment) =>
      escapeRegExp(fragment)
        .replace(/kb-[0-9a-f]{16}/g, 'kb-[0-9a-f]{16}')
        .replace(/\d+\\\.\d+/g, '\\d+(?:\\.\\d+)?'),
    );
  return new RegExp(fragments.join('[\\s\\S]*?'));
}

const hasTools = ['bash', 'curl', 'jq'].every((tool) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});

(hasTools ? describe : describe.skip)("README's Try it", () => {
  jest.setTimeout(300_000);
  let dir: string;
  let port: number;
  let server: ChildProcess;
  let serverLog = '';

  beforeAll(async () => {
    if (!existsSync(API_MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    dir = mkdtempSync(join(tmpdir(), 'fjord-try-it-'));
    symlinkSync(join(ROOT, 'samples'), join(dir, 'samples'));
    port = await freePort();
    // What `npm start` runs, from a fresh directory: no key, no settings beyond the port.
    server = spawn(process.execPath, [API_MAIN], { cwd: dir, env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (serverLog += chunk.toString()));
    await until('api start', async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok ? true : undefined));
  });

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs one command in bash in the newcomer's directory, with the shell variables earlier commands set. */
  function run(command: string): { output: string; status: number } {
    const script = [
      'set -o pipefail',
      '[ -f .try-it-state ] && source .try-it-state',
      `{ ${command.replace(/localhost:3000/g, `127.0.0.1:${port}`)} ; } > .try-it-out 2>&1; status=$?`,
      'declare -p KEY H B BOT TK 2>/dev/null > .try-it-state',
      'exit $status',
    ].join('\n');
    writeFileSync(join(dir, '.try-it-step'), script);
    let status = 0;
    try {
      execFileSync('bash', ['.try-it-step'], { cwd: dir, stdio: 'ignore', timeout: 60_000 });
    } catch (error) {
      status = (error as { status?: number }).status ?? 1;
    }
    return { output: readFileSync(join(dir, '.try-it-out'), 'utf8'), status };
  }

  async function documentsDone(): Promise<void> {
    const key = readFileSync(join(dir, 'data/admin-key'), 'utf8').trim();
    await until('the sample documents to be done', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/knowledge/doc/list`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ collection_name: 'samples' }),
      });
      const docs = ((await response.json()) as { data?: { doc_list?: Array<{ status: { process_status: number } }> } }).data?.doc_list ?? [];
      return docs.length > 0 && docs.every((doc) => doc.status.process_status === 0) ? true : undefined;
    });
  }

  it('every command succeeds and prints what the README shows under it', async () => {
    const steps = tryItSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps.filter((step) => step.expected.length > 0).length).toBeGreaterThanOrEqual(10);
    for (const step of steps) {
      const { output, status } = run(step.command);
      const context = `command: ${step.command}\noutput: ${output.slice(0, 2000)}\nserver log tail: ${serverLog.slice(-1000)}`;
      expect({ status, context }).toEqual({ status: 0, context });
      for (const shown of step.expected) {
        const matches = shownAsPattern(shown).test(output);
        expect({ shown, matches, context }).toEqual({ shown, matches: true, context });
      }
      if (step.command.includes('/doc/upload')) await documentsDone();
    }
  });
});
