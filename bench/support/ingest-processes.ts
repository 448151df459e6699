import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync, WriteStream } from 'node:fs';
import { createServer } from 'node:net';

/** Child processes for the ingestion benchmark: spawn with a log file, sample RSS, stop cleanly. */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it returns a value; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** One field of /proc/<pid>/status in bytes (Linux only; undefined elsewhere or after exit). */
export function procStatusBytes(pid: number | 'self', field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process so far (Linux; 0 elsewhere or after exit). */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of proc(5); here 0-based after pid and comm. USER_HZ is 100.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** A spawned node process whose RSS is sampled every 100 ms; output goes to a log file. */
export class BenchProcess {
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly sampler: NodeJS.Timeout;
  private sampledPeak = 0;
  private hwm: number | undefined;
  private stopping = false;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    script: string,
    env: Record<string, string>,
    readonly logPath: string,
    args: string[] = [],
    nodeArgs: string[] = [],
  ) {
    this.log = createWriteStream(logPath);
    this.child = spawn(process.execPath, [...nodeArgs, script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.pipe(this.log, { end: false });
    this.child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.sampler = setInterval(() => this.sample(), 100);
    this.sampler.unref();
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Whether stop() was called (an exit before that is a crash worth reporting). */
  get stopRequested(): boolean {
    return this.stopping;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private sample(): void {
    const rss = procStatusBytes(this.pid, 'VmRSS');
    if (rss !== undefined && rss > this.sampledPeak) this.sampledPeak = rss;
    const hwm = procStatusBytes(this.pid, 'VmHWM');
    if (hwm !== undefined) this.hwm = hwm;
  }

  /** Peak RSS in bytes: the kernel's high-water mark (VmHWM), or the highest 100 ms sample. */
  peakRss(): number {
    this.sample();
    return Math.max(this.hwm ?? 0, this.sampledPeak);
  }

  /** User + system CPU seconds so far. */
  cpuSeconds(): number {
    return procCpuSeconds(this.pid);
  }

  /** How the process ended (or that it still runs), and the last lines of its output, for error reports. */
  tail(lines = 30): string {
    const how = this.running ? 'still running' : `exited with code ${this.child.exitCode} signal ${this.child.signalCode}`;
    try {
      return `${how}:\n${readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n')}`;
    } catch {
      return how;
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.sampler);
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined || bytes === 0 ? 'n/a' : `${Math.round(bytes / (1024 * 1024))} MB`;
}
