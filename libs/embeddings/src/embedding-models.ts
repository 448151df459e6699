import { DomainError, ErrorCode } from '@fjord/common';
import { LOCAL_EMBEDDING_MODEL, type AppConfig } from '@fjord/config';
import type { EmbeddingCache } from './embedding.service';
import { EmbeddingService } from './embedding.service';
import { LocalHashEmbedder } from './local-hash-embedder';
import { OpenAiEmbedder } from './openai-embedder';

/**
 * Every embedding model this server can serve, each behind its own EmbeddingService (cache and
 * query LRU), so collections embedded with different models are searched and written with their
 * own; a collection changing models is served by both at once. Served models:
 *
 * - the configured default (EMBEDDING_PROVIDER / EMBEDDING_MODEL);
 * - the local hashing embedder, always (it needs nothing);
 * - with EMBEDDING_BASE_URL, every model EMBEDDING_MODEL_MAP maps a name to, on that same upstream.
 *
 * A name is looked up as a served model first, then as a key of EMBEDDING_MODEL_MAP.
 */
export class EmbeddingModels {
  private readonly services = new Map<string, EmbeddingService>();

  constructor(
    private readonly config: AppConfig['embedding'],
    readonly defaultService: EmbeddingService,
    private readonly cache: EmbeddingCache,
  ) {
    this.services.set(defaultService.model, defaultService);
  }

  get defaultModel(): string {
    return this.defaultService.model;
  }

  /** The served model a requested name stands for, or undefined when this server cannot embed with it. */
  resolve(name: string): string | undefined {
    if (this.isServed(name)) return name;
    const mapped = this.config.modelMap?.[name];
    return mapped !== undefined && this.isServed(mapped) ? mapped : undefined;
  }

  /** The names a request may use, for error messages. */
  servedModels(): string[] {
    const remote = this.config.baseUrl ? Object.values(this.config.modelMap ?? {}) : [];
    return [...new Set([this.defaultModel, LOCAL_EMBEDDING_MODEL, ...remote])];
  }

  /** The service embedding with `model`; throws 1000003 (model not found) when it is not served. */
  service(model: string): EmbeddingService {
    const existing = this.services.get(model);
    if (existing) return existing;
    if (!this.isServed(model)) {
      throw new DomainError(ErrorCode.ModelNotFound, `embedding model ${model} is not served here (served: ${this.servedModels().join(', ')})`);
    }
    const provider =
      model === LOCAL_EMBEDDING_MODEL
        ? new LocalHashEmbedder(this.config.localDimension)
        : new OpenAiEmbedder({ ...this.config, model, dimension: undefined });
    const created = new EmbeddingService(provider, this.cache);
    this.services.set(model, created);
    return created;
  }

  private isServed(model: string): boolean {
    if (model === this.defaultModel || model === LOCAL_EMBEDDING_MODEL) return true;
    return this.config.baseUrl !== undefined && Object.values(this.config.modelMap ?? {}).includes(model);
  }
}
