import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('starts on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.dataDir).toBe('./data');
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.uploads.maxBytes).toBe(100 * 1024 * 1024);
    expect(config.uploads.urlFetchAllowPrivate).toBe(false);
    expect(config.embedding).toMatchObject({ provider: 'local', model: 'fjord-local-hash-v1', localDimension: 384 });
  });

  it('writes smaller ingestion batches embedded (one connection) than on PostgreSQL, unless told', () => {
    expect(loadConfig({}).ingestion.batchChunks).toBe(32);
    expect(loadConfig({ DATABASE_URL: 'postgres://localhost/fjord', REDIS_URL: 'redis://localhost:6379' }).ingestion.batchChunks).toBe(128);
    expect(loadConfig({ INGEST_BATCH_CHUNKS: '500' }).ingestion.batchChunks).toBe(500);
  });

  it('reports every bad variable by name, readably', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', URL_FETCH_ALLOW_PRIVATE: 'maybe', DATABASE_URL: 'not a url', ADMIN_API_KEY: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Invalid configuration:/);
    for (const name of ['PORT', 'URL_FETCH_ALLOW_PRIVATE', 'DATABASE_URL', 'ADMIN_API_KEY']) expect(message).toContain(name);
    expect(message).toContain('"eighty"');
  });

  it('reads read replicas: comma-separated postgres URLs, a lag bound and a check interval, only with a primary', () => {
    expect(loadConfig({}).database).toMatchObject({ readUrls: [], readMaxLagMs: 2_000, readCheckIntervalMs: 1_000 });
    const primary = 'postgres://fjord@db:5432/fjord';
    expect(
      loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: 'postgres://fjord@r1:5432/fjord, postgresql://fjord@r2/fjord', DATABASE_READ_MAX_LAG_MS: '500', DATABASE_READ_CHECK_INTERVAL_MS: '250' }).database,
    ).toMatchObject({ readUrls: ['postgres://fjord@r1:5432/fjord', 'postgresql://fjord@r2/fjord'], readMaxLagMs: 500, readCheckIntervalMs: 250 });
    expect(() => loadConfig({ DATABASE_READ_URLS: 'postgres://fjord@r1/fjord' })).toThrow(/DATABASE_READ_URLS: replicas need a primary: set DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: 'mysql://r1/fjord' })).toThrow(/DATABASE_READ_URLS.*must be a postgres:\/\/ URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: 'postgres://r1/fjord,not a url' })).toThrow(/DATABASE_READ_URLS.*must be a URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_URLS: ' , ' })).toThrow(/DATABASE_READ_URLS: must name at least one URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_MAX_LAG_MS: '-1' })).toThrow(/DATABASE_READ_MAX_LAG_MS/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_READ_CHECK_INTERVAL_MS: '10' })).toThrow(/DATABASE_READ_CHECK_INTERVAL_MS/);
  });

  it('reads OCR settings: Chinese and English on one thread by default, languages joined by +', () => {
    expect(loadConfig({}).ocr).toEqual({ engine: 'auto', languages: ['chi_sim', 'eng'], concurrency: 1, pageTimeoutMs: 120_000 });
    expect(loadConfig({ OCR_ENGINE: 'tesseract-cli', OCR_LANGUAGES: 'chi_sim+eng+jpn', OCR_CONCURRENCY: '2', OCR_PAGE_TIMEOUT_MS: '30000' }).ocr).toEqual({
      engine: 'tesseract-cli',
      languages: ['chi_sim', 'eng', 'jpn'],
      concurrency: 2,
      pageTimeoutMs: 30_000,
    });
    expect(() => loadConfig({ OCR_LANGUAGES: 'chi_sim, eng' })).toThrow(/OCR_LANGUAGES: must be tesseract language codes joined by \+/);
    expect(() => loadConfig({ OCR_ENGINE: 'paddle' })).toThrow(/OCR_ENGINE/);
    expect(() => loadConfig({ OCR_CONCURRENCY: '0' })).toThrow(/OCR_CONCURRENCY/);
  });

  it('needs a base URL and model for the OpenAI-compatible embedding provider', () => {
    expect(() => loadConfig({ EMBEDDING_PROVIDER: 'openai' })).toThrow(/EMBEDDING_BASE_URL.*\n.*EMBEDDING_MODEL/s);
    expect(() => loadConfig({ EMBEDDING_QUERY_INSTRUCTION: 'query: ' })).toThrow(/EMBEDDING_QUERY_INSTRUCTION: only for a learned model/);
    expect(() => loadConfig({ RERANK_PROVIDER: 'http' })).toThrow(/RERANK_BASE_URL: required when RERANK_PROVIDER=http/);
    expect(loadConfig({ RERANK_BASE_URL: 'http://127.0.0.1:8080' }).rerank.provider).toBe('http');
    expect(loadConfig({}).rerank.provider).toBe('local');
    expect(loadConfig({ EMBEDDING_BASE_URL: 'http://127.0.0.1:11434/v1', EMBEDDING_MODEL: 'e5', EMBEDDING_QUERY_INSTRUCTION: 'query: ' }).embedding.queryInstruction).toBe('query: ');
    const config = loadConfig({ EMBEDDING_BASE_URL: 'http://127.0.0.1:11434/v1', EMBEDDING_MODEL: 'bge-m3' });
    expect(config.embedding).toMatchObject({ provider: 'openai', model: 'bge-m3' });
  });

  it('treats empty strings as unset and parses booleans and JSON maps', () => {
    const config = loadConfig({ PORT: '', URL_FETCH_ALLOW_PRIVATE: 'true', LLM_MODEL_MAP: '{"Doubao-1.5-pro-32k":"ep-1"}' });
    expect(config.http.port).toBe(3000);
    expect(config.uploads.urlFetchAllowPrivate).toBe(true);
    expect(config.llm.modelMap).toEqual({ 'Doubao-1.5-pro-32k': 'ep-1' });
    expect(() => loadConfig({ LLM_MODEL_MAP: '[1,2]' })).toThrow(/LLM_MODEL_MAP/);
  });

  it('reads rate limits per key kind: bot defaults, a kind given replaces its defaults, bad JSON or fields named', () => {
    expect(loadConfig({}).rateLimits).toEqual({
      admin: { requestsPerSecond: 0, concurrentChats: 0, uploadsPerMinute: 0, uploadBytesPerDay: 0 },
      bot: { requestsPerSecond: 50, concurrentChats: 16, uploadsPerMinute: 0, uploadBytesPerDay: 0 },
    });
    expect(loadConfig({ RATE_LIMITS: '{"admin":{"uploadsPerMinute":30},"bot":{"requestsPerSecond":5}}' }).rateLimits).toEqual({
      admin: { requestsPerSecond: 0, concurrentChats: 0, uploadsPerMinute: 30, uploadBytesPerDay: 0 },
      bot: { requestsPerSecond: 5, concurrentChats: 0, uploadsPerMinute: 0, uploadBytesPerDay: 0 },
    });
    expect(() => loadConfig({ RATE_LIMITS: '{bot:1}' })).toThrow(/RATE_LIMITS: must be JSON/);
    expect(() => loadConfig({ RATE_LIMITS: '{"bot":{"requestsPerMinute":5}}' })).toThrow(/RATE_LIMITS: .*requestsPerMinute/);
    expect(() => loadConfig({ RATE_LIMITS: '{"bot":{"concurrentChats":-1}}' })).toThrow(/RATE_LIMITS: bot\.concurrentChats/);
  });

  it('reads the chat input caps per route family', () => {
    expect(loadConfig({}).chatInputLimits).toEqual({ openai: 131_072, bot: 131_072, knowledge: 131_072, context: 524_288 });
    expect(loadConfig({ BOT_CHAT_MAX_INPUT_CHARS: '2000' }).chatInputLimits.bot).toBe(2000);
    expect(() => loadConfig({ CONTEXT_MAX_INPUT_CHARS: '0' })).toThrow(/CONTEXT_MAX_INPUT_CHARS/);
  });
});
