import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A port that was free a moment ago (for a child process to listen on). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls probe until it returns a value. Generous by default: a loaded 2-core machine starts processes slowly. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a built entry point (dist/...) in a child Node process with only PATH and `env`, output discarded. */
export function startProcess(main: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' });
}

/** SIGKILLs a child process (as a crash would) and resolves once it has exited. */
export async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
