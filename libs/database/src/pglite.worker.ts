import { parentPort, workerData } from 'node:worker_threads';
import { PgliteDb } from './pglite-db';
import { PgliteRequest, PgliteResponse, PgliteWorkerData, serializeError } from './pglite-thread.protocol';

/**
 * The thread that owns embedded PGlite. Queries run here, one at a time in arrival order, so a
 * long statement (a vector index build, a large scan) delays other queries but never the API's
 * event loop: /health, uploads and streaming keep being served.
 */
async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('pglite.worker must run as a worker thread');
  const { dataDir } = workerData as PgliteWorkerData;
  const db = await PgliteDb.open(dataDir);
  let queue: Promise<void> = Promise.resolve();

  const handle = async (request: PgliteRequest): Promise<PgliteResponse> => {
    try {
      switch (request.op) {
        case 'query': {
          const result = await db.query(request.sql, request.params);
          return { id: request.id, ok: true, rows: result.rows, rowCount: result.rowCount };
        }
        case 'exec':
          await db.exec(request.sql);
          return { id: request.id, ok: true };
        case 'close':
          await db.close();
          return { id: request.id, ok: true };
      }
    } catch (error) {
      return { id: request.id, ok: false, error: serializeError(error) };
    }
  };

  port.on('message', (request: PgliteRequest) => {
    queue = queue.then(async () => port.postMessage(await handle(request)));
  });
  port.postMessage({ id: 0, ok: true } satisfies PgliteResponse);
}

serve().catch((error: unknown) => {
  parentPort?.postMessage({ id: 0, ok: false, error: serializeError(error) } satisfies PgliteResponse);
});
