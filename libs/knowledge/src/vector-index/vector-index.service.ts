import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { VectorIndexRepository } from './vector-index.repository';

/**
 * Bulk-load strategy for pgvector HNSW (measured in docs/benchmarks.md).
 *
 * Inserting into a live HNSW index costs ~1.8 ms per row on 2 cores, while building one over the
 * same rows in bulk is ~10x cheaper. So, like an LSM tree, each collection has one HNSW partial index
 * over `id <= watermark` plus an unindexed tail of newer rows that searches scan exactly (cheap while
 * small). New points therefore insert at COPY-like speed and are searchable the moment their
 * transaction commits. When the tail outgrows max(MIN_TAIL, TAIL_RATIO x indexed), the index is
 * rebuilt in the background up to the newest row, and the old one dropped. Past OPEN_AT rows a full
 * rebuild costs more than incremental inserts, so the collection switches to an open index that
 * covers every row and new rows are inserted into it directly.
 */
export const VECTOR_INDEX_POLICY = {
  minTail: 2_000,
  tailRatio: 0.25,
  openAt: 250_000,
  /** A lease older than this belongs to a crashed builder and may be taken over. */
  staleBuildSeconds: 1_800,
};

@Injectable()
export class VectorIndexService {
  private readonly logger = new Logger(VectorIndexService.name);
  private readonly running = new Map<number, Promise<void>>();

  constructor(
    private readonly repository: VectorIndexRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Called after points are written; starts a background rebuild when the tail is large enough. */
  maybeRebuild(collectionId: number): void {
    if (this.running.has(collectionId)) return;
    const run = this.rebuildIfNeeded(collectionId)
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error, collectionId }, 'vector index rebuild failed'))
      .finally(() => this.running.delete(collectionId));
    this.running.set(collectionId, run);
  }

  /** Rebuilds when the policy says so (or always, with force). Resolves when done. */
  async rebuildIfNeeded(collectionId: number, force = false): Promise<boolean> {
    const state = await this.repository.state(collectionId);
    if (!state || state.isOpen) return false;
    const { tail, total } = await this.repository.counts(collectionId, state.watermark);
    const indexed = total - tail;
    const due = tail >= Math.max(VECTOR_INDEX_POLICY.minTail, VECTOR_INDEX_POLICY.tailRatio * indexed);
    if (tail === 0 || (!due && !force)) return false;
    if (!(await this.repository.claimBuild(collectionId, VECTOR_INDEX_POLICY.staleBuildSeconds))) return false;
    try {
      const watermark = await this.repository.maxPointId(collectionId);
      const open = total >= VECTOR_INDEX_POLICY.openAt;
      const started = Date.now();
      const name = await this.repository.build(
        collectionId,
        state.dimension,
        { watermark, open },
        { m: this.config.vectorIndex.m, efConstruction: this.config.vectorIndex.efConstruction },
        state.indexName,
      );
      this.logger.log({ collectionId, index: name, rows: total, ms: Date.now() - started }, 'vector index rebuilt');
      return true;
    } catch (error) {
      await this.repository.releaseBuild(collectionId);
      throw error;
    }
  }

  /** Waits for any background rebuild of this collection (tests, benchmarks, shutdown). */
  async settle(collectionId?: number): Promise<void> {
    const runs = collectionId === undefined ? [...this.running.values()] : [this.running.get(collectionId)];
    await Promise.all(runs);
  }
}
