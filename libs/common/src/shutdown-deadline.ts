/** What a process reports while it stops. */
export interface ShutdownReport {
  /** What is still running, e.g. "1 document in progress" ('' when nothing). */
  inFlight(): Promise<string>;
  /** Writes one line, synchronously (the process may exit right after). */
  log(line: string): void;
}

/**
 * Graceful shutdown (Nest's shutdown hooks) lets running requests and jobs finish; this says what
 * it waits for, and makes sure a stuck one cannot keep the process alive past SHUTDOWN_TIMEOUT_MS
 * after SIGTERM/SIGINT. Documents still in progress then are not half-written: their points are
 * replaced in one transaction, which never committed, and start-up recovery processes them again.
 */
export function installShutdownDeadline(timeoutMs: number, report?: ShutdownReport): void {
  const arm = (signal: NodeJS.Signals) => {
    const started = Date.now();
    const seconds = `${Math.round(timeoutMs / 100) / 10} s`;
    const inFlight = () => Promise.race([report?.inFlight() ?? Promise.resolve(''), new Promise<string>((resolve) => setTimeout(() => resolve(''), 200).unref())]);
    void inFlight().then((what) => report?.log(`stopping on ${signal}: ${what ? `waiting for ${what}` : 'nothing in flight'} (at most ${seconds})`));
    const timer = setTimeout(() => {
      void inFlight().then((what) => {
        const line = `shutdown did not finish within ${seconds} after ${signal}${what ? `: ${what} left to recovery on the next start` : ''}; exiting`;
        if (report) report.log(line);
        else console.error(line);
        process.exit(1);
      });
    }, timeoutMs);
    timer.unref();
    process.once('exit', (code) => {
      if (code === 0 || code === null) report?.log(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
