/**
 * An autocannon run in a child process, so the load generator never shares an event loop (or a
 * garbage collector) with the server it measures. `runHttpLoad` forks this file; the child posts
 * the given JSON bodies round-robin and sends back autocannon's result.
 */
import { fork } from 'node:child_process';
import autocannon from 'autocannon';

export interface HttpLoadOptions {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** Request bodies, sent round-robin. */
  bodies: string[];
  connections: number;
  durationSeconds: number;
}

export interface HttpLoadResult {
  p50: number;
  p99: number;
  requestsPerSecond: number;
  total: number;
  non2xx: number;
  errors: number;
}

export function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (result) => resolve(result as HttpLoadResult));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(options);
  });
}

if (require.main === module) {
  process.once('message', async (message) => {
    const options = message as HttpLoadOptions;
    let next = 0;
    const result = await autocannon({
      url: options.url,
      connections: options.connections,
      duration: options.durationSeconds,
      requests: [{ method: 'POST', path: options.path, headers: options.headers, setupRequest: (req) => ({ ...req, body: options.bodies[next++ % options.bodies.length] }) }],
    });
    const summary: HttpLoadResult = {
      p50: result.latency.p50,
      p99: result.latency.p99,
      requestsPerSecond: result.requests.average,
      total: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
    };
    process.send?.(summary, () => process.exit(0));
  });
}
