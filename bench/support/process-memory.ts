import { readdirSync, readFileSync } from 'node:fs';

const MiB = 1024 * 1024;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Resident memory of a process, from /proc (0 once it has gone). */
function rssOf(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * 4096;
  } catch {
    return 0;
  }
}

function childPids(): number[] {
  try {
    return readdirSync(`/proc/${process.pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/** Wall time of `run`, with the peak resident memory of this process and of its children (parser sandboxes), polled every 50 ms. */
export async function measure<T>(run: () => Promise<T>): Promise<{ result: T; seconds: number; childPeakMb: number; selfPeakMb: number }> {
  let childPeak = 0;
  let selfPeak = process.memoryUsage().rss;
  const probe = setInterval(() => {
    for (const pid of childPids()) childPeak = Math.max(childPeak, rssOf(pid));
    selfPeak = Math.max(selfPeak, process.memoryUsage().rss);
  }, 50);
  const started = process.hrtime.bigint();
  try {
    const result = await run();
    return { result, seconds: Number(process.hrtime.bigint() - started) / 1e9, childPeakMb: childPeak / MiB, selfPeakMb: selfPeak / MiB };
  } finally {
    clearInterval(probe);
  }
}
