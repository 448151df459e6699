/** Messages between PgliteThreadDb (the API's thread) and the worker thread that owns PGlite. */
export type PgliteRequest =
  | { id: number; op: 'query'; sql: string; params?: readonly unknown[] }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'close' };

export type PgliteResponse =
  | { id: number; ok: true; rows?: object[]; rowCount?: number }
  | { id: number; ok: false; error: SerializedError };

/** A database error's message and its fields (code, detail, constraint...), which callers test. */
export interface SerializedError {
  name: string;
  message: string;
  fields: Record<string, unknown>;
}

export interface PgliteWorkerData {
  dataDir: string | undefined;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || typeof value === 'function' || key === 'message' || key === 'stack') continue;
    if (typeof value === 'object' && value !== null) continue; // e.g. the failed query's result object
    fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}

export function deserializeError(serialized: SerializedError): Error {
  const error = new Error(serialized.message);
  error.name = serialized.name;
  Object.assign(error, serialized.fields);
  return error;
}
