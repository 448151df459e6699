import { basename } from 'node:path';
import { z } from 'zod';
import { OnnxModelFiles, locateOnnxModelFiles } from './onnx-model-dir';

/**
 * The only reader of process.env. Every setting fjord has is declared here once, with its default;
 * `loadConfig` turns the environment into a typed, frozen AppConfig or stops start-up with a
 * message naming each bad variable.
 */

const MiB = 1024 * 1024;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const num = (min: number, max: number) => z.coerce.number().min(min).max(max);
const url = z.string().url({ message: 'must be a URL' });
const postgresUrl = z
  .string()
  .url({ message: 'must be a URL' })
  .refine((value) => /^postgres(ql)?:\/\//.test(value), { message: 'must be a postgres:// URL' });
const jsonRecord = z.string().transform((raw, ctx) => {
  try {
    const parsed: unknown = JSON.parse(raw);
    const result = z.record(z.string(), z.string()).safeParse(parsed);
    if (result.success) return result.data;
  } catch {
    /* reported below */
  }
  ctx.addIssue({ code: 'custom', message: 'must be a JSON object of strings, e.g. {"Doubao-1.5-pro-32k":"ep-2024..."}' });
  return z.NEVER;
});

/** Limits of one key kind; 0 turns a limit off. */
const kindLimitsSchema = z
  .object({
    requestsPerSecond: z.number().int().min(0).default(0),
    concurrentChats: z.number().int().min(0).default(0),
    uploadsPerMinute: z.number().int().min(0).default(0),
    uploadBytesPerDay: z.number().int().min(0).default(0),
  })
  .strict();
export type KindRateLimits = z.infer<typeof kindLimitsSchema>;

/** Temporary bot keys are the least trusted callers and get limits by default; the admin none. */
const DEFAULT_RATE_LIMITS = { admin: {}, bot: { requestsPerSecond: 50, concurrentChats: 16 } };
const rateLimitsSchema = z.object({ admin: kindLimitsSchema.prefault({}), bot: kindLimitsSchema.prefault({}) }).strict();
const rateLimitsJson = z.string().transform((raw, ctx) => {
  try {
    const parsed = rateLimitsSchema.safeParse({ ...DEFAULT_RATE_LIMITS, ...JSON.parse(raw) });
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: 'custom', message: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be JSON, e.g. {"bot":{"requestsPerSecond":5,"concurrentChats":2},"admin":{"uploadBytesPerDay":1073741824}}' });
  }
  return z.NEVER;
});

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: short human-readable lines; `json`: one JSON object per line. Default: pretty in a terminal, json otherwise. */
  LOG_FORMAT: z.enum(['pretty', 'json']).optional(),

  DATABASE_URL: url.optional(),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  /** Streaming replicas for pure reads (searches), comma-separated PostgreSQL URLs. */
  DATABASE_READ_URLS: z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter(Boolean))
    .pipe(z.array(postgresUrl).min(1, 'must name at least one URL'))
    .optional(),
  /** A replica replaying further behind the primary than this is skipped until it catches up. */
  DATABASE_READ_MAX_LAG_MS: int(0, 3_600_000).default(2_000),
  /** How often each replica's health and lag are checked (not per query). */
  DATABASE_READ_CHECK_INTERVAL_MS: int(100, 60_000).default(1_000),
  REDIS_URL: url.optional(),
  /** BullMQ key prefix: lets several fjord deployments (or test runs) share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[\w:-]{1,64}$/).default('fjord'),

  ADMIN_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Comma-separated browser origins allowed to call the API (CORS); unset means none. */
  CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.union([z.literal('*'), z.url().transform((origin) => origin.replace(/\/+$/, ''))])))
    .optional(),
  /** How long a console sign-in lasts before the key must be entered again. */
  CONSOLE_SESSION_TTL_SECONDS: int(60, 30 * 24 * 3600).default(12 * 3600),
  /** Volcengine V4 access-key pairs with the admin key's rights: `AK1:SK1,AK2:SK2`. */
  ACCESS_KEY_PAIRS: z
    .string()
    .regex(/^[^:,\s]+:[^,\s]+(,[^:,\s]+:[^,\s]+)*$/, 'must be AK:SK pairs separated by commas, e.g. AKLTexample:c2VjcmV0')
    .optional(),
  /** Encrypts the secret keys of access-key pairs minted at run time; generated into DATA_DIR when unset. */
  ACCESS_KEY_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How far a V4 signature's X-Date may be from the server clock, either way. */
  SIGNATURE_MAX_SKEW_SECONDS: int(1, 7 * 24 * 3600).default(900),

  MAX_UPLOAD_BYTES: int(1).default(100 * MiB),
  MAX_JSON_BYTES: int(1024).default(10 * MiB),
  URL_FETCH_ALLOW_PRIVATE: bool.default(false),
  URL_FETCH_TIMEOUT_MS: int(100).default(30_000),

  WORKER_CONCURRENCY: int(1, 64).default(2),
  INGEST_MAX_ATTEMPTS: int(1, 50).default(5),
  INGEST_BACKOFF_MS: int(0).default(2_000),
  /** How long a worker's job lock lasts; a killed worker's job is picked up again after this. */
  INGEST_LOCK_MS: int(1_000).default(30_000),
  /**
   * Chunks embedded and written per transaction: no write holds the database for long. Default 128
   * on PostgreSQL, 32 embedded, where a search waits for the batch that holds PGlite's one connection.
   */
  INGEST_BATCH_CHUNKS: int(1, 4_096).optional(),
  /** Parsers run in a child process with these caps; an overrun fails that document only. */
  /** A document whose progress has not moved for this long is failed as stuck (doc/retry re-queues it). */
  INGEST_STUCK_MS: int(1_000).default(900_000),
  PARSE_TIMEOUT_MS: int(1_000).default(300_000),
  PARSE_MAX_MEMORY_MB: int(64, 65_536).default(512),
  PARSE_MAX_ATTEMPTS: int(1, 10).default(2),
  MAX_DOCUMENT_PAGES: int(1).default(5_000),
  MAX_DECOMPRESSED_BYTES: int(1024).default(512 * MiB),

  EMBEDDING_PROVIDER: z.enum(['local', 'openai', 'onnx']).optional(),
  EMBEDDING_BASE_URL: url.optional(),
  EMBEDDING_API_KEY: z.string().optional(),
  EMBEDDING_MODEL: z.string().min(1).optional(),
  EMBEDDING_DIMENSION: int(1, 16000).optional(),
  EMBEDDING_BATCH_SIZE: int(1, 2048).default(64),
  EMBEDDING_TIMEOUT_MS: int(100).default(60_000),
  EMBEDDING_MAX_RETRIES: int(0, 20).default(5),
  /** Prefix for search queries (not chunks) for models trained with one, e.g. e5's "query: "; see need_instruction. */
  EMBEDDING_QUERY_INSTRUCTION: z.string().min(1).max(1000).optional(),
  /** Embedding-model names clients ask for (Viking's doubao-embedding, bge-m3, ...) -> the model this server embeds with. */
  EMBEDDING_MODEL_MAP: jsonRecord.optional(),
  LOCAL_EMBEDDING_DIMENSION: int(8, 4096).default(384),
  /** Points re-embedded per step when a collection changes embedding model; progress is saved between steps. */
  EMBEDDING_MIGRATION_BATCH_SIZE: int(1, 4096).default(256),
  /** EMBEDDING_PROVIDER=onnx: a directory with an ONNX export of the model and its tokenizer.json. */
  EMBEDDING_MODEL_DIR: z.string().min(1).optional(),
  /** How token vectors become one vector; default: the model dir's 1_Pooling/config.json, else mean. */
  EMBEDDING_POOLING: z.enum(['cls', 'mean']).optional(),
  EMBEDDING_NORMALIZE: bool.default(true),
  /** Prefix for stored chunks (not queries), e.g. e5's "passage: "; the query side is EMBEDDING_QUERY_INSTRUCTION. */
  EMBEDDING_PASSAGE_PREFIX: z.string().min(1).max(1000).optional(),
  /** Tokens a text is cut to; default: the tokenizer's model_max_length, else 512. */
  EMBEDDING_MAX_TOKENS: int(8, 32_768).optional(),
  /** Threads one ONNX model uses for its matrix work; default: half the cores, at least 1. */
  ONNX_THREADS: int(1, 256).optional(),

  HNSW_M: int(2, 100).default(16),
  HNSW_EF_CONSTRUCTION: int(4, 1000).default(128),
  HNSW_EF_SEARCH: int(1, 1000).default(200),
  BM25_K1: num(0, 10).default(1.2),
  BM25_B: num(0, 1).default(0.75),

  RERANK_BASE_URL: url.optional(),
  RERANK_API_KEY: z.string().optional(),
  RERANK_MODEL: z.string().min(1).optional(),
  /** local (weightless proximity), http (RERANK_BASE_URL) or onnx (RERANK_MODEL_DIR); default: http when RERANK_BASE_URL is set. */
  RERANK_PROVIDER: z.enum(['local', 'http', 'onnx']).optional(),
  /** RERANK_PROVIDER=onnx: a cross-encoder's ONNX export and its tokenizer.json. */
  RERANK_MODEL_DIR: z.string().min(1).optional(),
  RERANK_MAX_TOKENS: int(8, 32_768).optional(),

  LLM_BASE_URL: url.optional(),
  LLM_API_KEY: z.string().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_MODEL_MAP: jsonRecord.optional(),
  LLM_TIMEOUT_MS: int(100).default(120_000),
  LLM_MAX_RETRIES: int(0, 20).default(3),
  LLM_RETRY_BASE_DELAY_MS: int(0, 60_000).default(250),
  /** Tokens a model's window holds, for rolling truncation, unless the model name says (`-32k`) or the context sets max_window_tokens. */
  LLM_CONTEXT_WINDOW: int(256).default(32_768),

  /** Knowledge chat: passages scoring below this are neither given to the model nor listed in references. */
  KNOWLEDGE_CHAT_MIN_SCORE: num(0, 1).default(0.1),

  /** OCR of scanned PDF pages and images: `auto` takes tesseract.js (npm) and falls back to the tesseract program. */
  OCR_ENGINE: z.enum(['auto', 'tesseract.js', 'tesseract-cli']).default('auto'),
  /** Tesseract language codes joined by `+`, e.g. `chi_sim+eng+jpn`. */
  OCR_LANGUAGES: z
    .string()
    .regex(/^[a-z][a-z_]*(\+[a-z][a-z_]*)*$/i, 'must be tesseract language codes joined by +, e.g. chi_sim+eng')
    .default('chi_sim+eng'),
  /** Pages recognised at once per process, each on its own thread (and core). */
  OCR_CONCURRENCY: int(1, 32).default(1),
  OCR_PAGE_TIMEOUT_MS: int(1000).default(120_000),

  CONTEXT_SWEEP_INTERVAL_MS: int(1000).default(60_000),

  /** Per key kind: requestsPerSecond, concurrentChats, uploadsPerMinute, uploadBytesPerDay (0 = off). */
  RATE_LIMITS: rateLimitsJson.optional(),

  /** Characters of message content one chat request may carry, per route family (see chatInputLimits). */
  OPENAI_CHAT_MAX_INPUT_CHARS: int(1).default(131_072),
  BOT_CHAT_MAX_INPUT_CHARS: int(1).default(131_072),
  KNOWLEDGE_CHAT_MAX_INPUT_CHARS: int(1).default(131_072),
  CONTEXT_MAX_INPUT_CHARS: int(1).default(524_288),
  SHUTDOWN_TIMEOUT_MS: int(0).default(10_000),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig {
  env: Env['NODE_ENV'];
  http: { port: number; host: string; maxJsonBytes: number };
  dataDir: string;
  logLevel: Env['LOG_LEVEL'];
  /** Unset: pretty when stdout is a terminal, json otherwise. */
  logFormat?: 'pretty' | 'json';
  database: {
    url?: string;
    poolSize: number;
    /** Streaming replicas for pure reads; empty: every read goes to the primary. */
    readUrls: string[];
    readMaxLagMs: number;
    readCheckIntervalMs: number;
  };
  redis: { url?: string; queuePrefix: string };
  adminApiKey?: string;
  /** Browser origins allowed by CORS; empty = CORS off. `*` allows any origin (never with cookies). */
  corsOrigins: string[];
  console: { sessionTtlSeconds: number };
  accessKeys: { pairs: Array<{ accessKeyId: string; secretAccessKey: string }>; encryptionKey?: string; maxSkewSeconds: number };
  uploads: { maxBytes: number; urlFetchAllowPrivate: boolean; urlFetchTimeoutMs: number };
  ingestion: { concurrency: number; maxAttempts: number; backoffMs: number; lockMs: number; stuckMs: number; batchChunks: number };
  parsing: ParsingLimits;
  embedding: {
    provider: 'local' | 'openai' | 'onnx';
    baseUrl?: string;
    apiKey?: string;
    model: string;
    dimension?: number;
    batchSize: number;
    timeoutMs: number;
    maxRetries: number;
    localDimension: number;
    queryInstruction?: string;
    /** Requested model name -> served model name (collection/create's embedding_model); absent means empty. */
    modelMap?: Record<string, string>;
    /** Points re-embedded per step of an embedding-model migration; absent means 256. */
    migrationBatchSize?: number;
    /** EMBEDDING_PROVIDER=onnx only. */
    onnx?: OnnxEmbeddingSettings;
  };
  vectorIndex: { m: number; efConstruction: number; efSearch: number };
  bm25: { k1: number; b: number };
  rerank: {
    provider: 'local' | 'http' | 'onnx';
    baseUrl?: string;
    apiKey?: string;
    model?: string;
    /** RERANK_PROVIDER=onnx only. */
    onnx?: OnnxModelSettings;
  };
  llm: {
    baseUrl?: string;
    apiKey?: string;
    model?: string;
    modelMap: Record<string, string>;
    timeoutMs: number;
    maxRetries: number;
    retryBaseDelayMs: number;
    contextWindow: number;
  };
  contextCache: { sweepIntervalMs: number };
  knowledgeChat: { minScore: number };
  ocr: { engine: Env['OCR_ENGINE']; languages: string[]; concurrency: number; pageTimeoutMs: number };
  /** Per key kind, counted per key; shared through Redis when REDIS_URL is set. */
  rateLimits: { admin: KindRateLimits; bot: KindRateLimits };
  /** Message characters per request on each chat route family. */
  chatInputLimits: Record<ChatRouteFamily, number>;
  shutdownTimeoutMs: number;
}

/** A local ONNX model: its files and how texts are cut to fit it. */
export interface OnnxModelSettings {
  files: OnnxModelFiles;
  /** Undefined: the tokenizer's model_max_length, else 512. */
  maxTokens?: number;
  /** Undefined: half the cores, at least 1. */
  threads?: number;
}

export interface OnnxEmbeddingSettings extends OnnxModelSettings {
  /** Undefined: the model dir's 1_Pooling/config.json, else mean. */
  pooling?: 'cls' | 'mean';
  normalize: boolean;
  passagePrefix?: string;
}

/** Per-document caps on the parser; see libs/ingestion's parser sandbox. */
export interface ParsingLimits {
  /** Wall-clock time for parsing and chunking one document. */
  timeoutMs: number;
  /** Heap and resident memory of the parser process. */
  maxMemoryMb: number;
  /** Attempts a document gets when its parser is killed for an overrun. */
  maxAttempts: number;
  /** Pages (PDF) or slides/sheets beyond which a document is refused. */
  maxPages: number;
  /** Sum of the uncompressed sizes a zip-based file (DOCX, XLSX, PPTX, EPUB, ODF) may declare. */
  maxDecompressedBytes: number;
}

/** The chat doors, each with its own input cap: bots' temporary keys are the least trusted callers. */
export type ChatRouteFamily = 'openai' | 'bot' | 'knowledge' | 'context';

export const LOCAL_EMBEDDING_MODEL = 'fjord-local-hash-v1';

/** The name collections record: the hashing embedder's, EMBEDDING_MODEL, or (onnx) the model directory's name. */
function embeddingModelName(provider: 'local' | 'openai' | 'onnx', configured: string | undefined, files: OnnxModelFiles | undefined): string {
  if (provider === 'local') return LOCAL_EMBEDDING_MODEL;
  if (provider === 'onnx') return configured ?? basename((files as OnnxModelFiles).dir);
  return configured as string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseAccessKeyPairs(raw: string | undefined): AppConfig['accessKeys']['pairs'] {
  if (!raw) return [];
  return raw.split(',').map((pair) => {
    const colon = pair.indexOf(':');
    return { accessKeyId: pair.slice(0, colon), secretAccessKey: pair.slice(colon + 1) };
  });
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        const value = name in cleaned ? ` (got ${JSON.stringify(cleaned[name])})` : '';
        return `${name}: ${issue.message}${value}`;
      }),
    );
  }
  const env = parsed.data;
  const problems: string[] = [];
  const embeddingProvider = env.EMBEDDING_PROVIDER ?? (env.EMBEDDING_BASE_URL ? 'openai' : 'local');
  if (embeddingProvider === 'openai' && !env.EMBEDDING_BASE_URL) {
    problems.push('EMBEDDING_BASE_URL: required when EMBEDDING_PROVIDER=openai');
  }
  if (embeddingProvider === 'openai' && !env.EMBEDDING_MODEL) {
    problems.push('EMBEDDING_MODEL: required when EMBEDDING_PROVIDER=openai');
  }
  if (embeddingProvider === 'local' && env.EMBEDDING_QUERY_INSTRUCTION) {
    problems.push('EMBEDDING_QUERY_INSTRUCTION: only for a learned model (EMBEDDING_BASE_URL or EMBEDDING_MODEL_DIR); the local embedder takes no instruction');
  }
  let embeddingFiles: OnnxModelFiles | undefined;
  if (embeddingProvider === 'onnx') {
    const located = env.EMBEDDING_MODEL_DIR ? locateOnnxModelFiles(env.EMBEDDING_MODEL_DIR, 'EMBEDDING_MODEL_DIR') : 'EMBEDDING_MODEL_DIR: required when EMBEDDING_PROVIDER=onnx';
    if (typeof located === 'string') problems.push(located);
    else embeddingFiles = located;
  } else if (env.EMBEDDING_PASSAGE_PREFIX) {
    problems.push('EMBEDDING_PASSAGE_PREFIX: only for EMBEDDING_PROVIDER=onnx');
  }
  const rerankProvider = env.RERANK_PROVIDER ?? (env.RERANK_BASE_URL ? 'http' : 'local');
  if (rerankProvider === 'http' && !env.RERANK_BASE_URL) problems.push('RERANK_BASE_URL: required when RERANK_PROVIDER=http');
  let rerankFiles: OnnxModelFiles | undefined;
  if (rerankProvider === 'onnx') {
    const located = env.RERANK_MODEL_DIR ? locateOnnxModelFiles(env.RERANK_MODEL_DIR, 'RERANK_MODEL_DIR') : 'RERANK_MODEL_DIR: required when RERANK_PROVIDER=onnx';
    if (typeof located === 'string') problems.push(located);
    else rerankFiles = located;
  }
  if (env.DATABASE_READ_URLS && !env.DATABASE_URL) {
    problems.push('DATABASE_READ_URLS: replicas need a primary: set DATABASE_URL too (embedded PGlite has no replicas)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    env: env.NODE_ENV,
    http: { port: env.PORT, host: env.HOST, maxJsonBytes: env.MAX_JSON_BYTES },
    dataDir: env.DATA_DIR,
    logLevel: env.LOG_LEVEL,
    logFormat: env.LOG_FORMAT,
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      readUrls: env.DATABASE_READ_URLS ?? [],
      readMaxLagMs: env.DATABASE_READ_MAX_LAG_MS,
      readCheckIntervalMs: env.DATABASE_READ_CHECK_INTERVAL_MS,
    },
    redis: { url: env.REDIS_URL, queuePrefix: env.QUEUE_PREFIX },
    adminApiKey: env.ADMIN_API_KEY,
    corsOrigins: env.CORS_ORIGINS ?? [],
    console: { sessionTtlSeconds: env.CONSOLE_SESSION_TTL_SECONDS },
    accessKeys: {
      pairs: parseAccessKeyPairs(env.ACCESS_KEY_PAIRS),
      encryptionKey: env.ACCESS_KEY_ENCRYPTION_KEY,
      maxSkewSeconds: env.SIGNATURE_MAX_SKEW_SECONDS,
    },
    uploads: {
      maxBytes: env.MAX_UPLOAD_BYTES,
      urlFetchAllowPrivate: env.URL_FETCH_ALLOW_PRIVATE,
      urlFetchTimeoutMs: env.URL_FETCH_TIMEOUT_MS,
    },
    ingestion: { concurrency: env.WORKER_CONCURRENCY, maxAttempts: env.INGEST_MAX_ATTEMPTS, backoffMs: env.INGEST_BACKOFF_MS, lockMs: env.INGEST_LOCK_MS, stuckMs: env.INGEST_STUCK_MS, batchChunks: env.INGEST_BATCH_CHUNKS ?? (env.DATABASE_URL ? 128 : 32) },
    parsing: {
      timeoutMs: env.PARSE_TIMEOUT_MS,
      maxMemoryMb: env.PARSE_MAX_MEMORY_MB,
      maxAttempts: env.PARSE_MAX_ATTEMPTS,
      maxPages: env.MAX_DOCUMENT_PAGES,
      maxDecompressedBytes: env.MAX_DECOMPRESSED_BYTES,
    },
    embedding: {
      provider: embeddingProvider,
      baseUrl: env.EMBEDDING_BASE_URL,
      apiKey: env.EMBEDDING_API_KEY,
      model: embeddingModelName(embeddingProvider, env.EMBEDDING_MODEL, embeddingFiles),
      dimension: env.EMBEDDING_DIMENSION,
      batchSize: env.EMBEDDING_BATCH_SIZE,
      timeoutMs: env.EMBEDDING_TIMEOUT_MS,
      maxRetries: env.EMBEDDING_MAX_RETRIES,
      localDimension: env.LOCAL_EMBEDDING_DIMENSION,
      queryInstruction: env.EMBEDDING_QUERY_INSTRUCTION,
      modelMap: env.EMBEDDING_MODEL_MAP ?? {},
      migrationBatchSize: env.EMBEDDING_MIGRATION_BATCH_SIZE,
      ...(embeddingFiles
        ? {
            onnx: {
              files: embeddingFiles,
              maxTokens: env.EMBEDDING_MAX_TOKENS,
              threads: env.ONNX_THREADS,
              pooling: env.EMBEDDING_POOLING,
              normalize: env.EMBEDDING_NORMALIZE,
              passagePrefix: env.EMBEDDING_PASSAGE_PREFIX,
            },
          }
        : {}),
    },
    vectorIndex: { m: env.HNSW_M, efConstruction: env.HNSW_EF_CONSTRUCTION, efSearch: env.HNSW_EF_SEARCH },
    bm25: { k1: env.BM25_K1, b: env.BM25_B },
    rerank: {
      provider: rerankProvider,
      baseUrl: env.RERANK_BASE_URL,
      apiKey: env.RERANK_API_KEY,
      model: rerankFiles ? (env.RERANK_MODEL ?? basename(rerankFiles.dir)) : env.RERANK_MODEL,
      ...(rerankFiles ? { onnx: { files: rerankFiles, maxTokens: env.RERANK_MAX_TOKENS, threads: env.ONNX_THREADS } } : {}),
    },
    llm: {
      baseUrl: env.LLM_BASE_URL,
      apiKey: env.LLM_API_KEY,
      model: env.LLM_MODEL,
      modelMap: env.LLM_MODEL_MAP ?? {},
      timeoutMs: env.LLM_TIMEOUT_MS,
      maxRetries: env.LLM_MAX_RETRIES,
      retryBaseDelayMs: env.LLM_RETRY_BASE_DELAY_MS,
      contextWindow: env.LLM_CONTEXT_WINDOW,
    },
    contextCache: { sweepIntervalMs: env.CONTEXT_SWEEP_INTERVAL_MS },
    knowledgeChat: { minScore: env.KNOWLEDGE_CHAT_MIN_SCORE },
    ocr: {
      engine: env.OCR_ENGINE,
      languages: env.OCR_LANGUAGES.split('+'),
      concurrency: env.OCR_CONCURRENCY,
      pageTimeoutMs: env.OCR_PAGE_TIMEOUT_MS,
    },
    rateLimits: env.RATE_LIMITS ?? rateLimitsSchema.parse(DEFAULT_RATE_LIMITS),
    chatInputLimits: {
      openai: env.OPENAI_CHAT_MAX_INPUT_CHARS,
      bot: env.BOT_CHAT_MAX_INPUT_CHARS,
      knowledge: env.KNOWLEDGE_CHAT_MAX_INPUT_CHARS,
      context: env.CONTEXT_MAX_INPUT_CHARS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  });
}
