/**
 * Graceful shutdown (Nest's shutdown hooks) lets running requests and jobs finish; this makes sure
 * a stuck one cannot keep the process alive past SHUTDOWN_TIMEOUT_MS after SIGTERM/SIGINT.
 */
export function installShutdownDeadline(timeoutMs: number): void {
  const arm = (signal: NodeJS.Signals) => {
    const timer = setTimeout(() => {
      console.error(`shutdown did not finish within ${timeoutMs} ms after ${signal}; exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
  };
  process.once('SIGTERM', arm);
  process.once('SIGINT', arm);
}
