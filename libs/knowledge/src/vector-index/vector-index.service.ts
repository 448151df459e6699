import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
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
 *
 * Whether a rebuild is due costs a count over the collection's points, so each process checks a
 * collection at most once per CHECK_INTERVAL: a bulk load commits dozens of documents a second,
 * and checking after every one cost more Postgres CPU than writing its points (bench:ingest). A
 * check skipped by the interval, or asked for while a rebuild runs, is made when that ends, so
 * the last documents of a load are never left waiting for a next upload. On PGlite, where a build
 * stalls every request, the check waits for writes to pause instead (quietMs).
 */
export const VECTOR_INDEX_POLICY = {
  minTail: 2_000,
  /**
   * Where a build blocks every request (PGlite, one connection), the tail may grow this large first.
   * On PGlite an exact scan of 40k rows takes ~0.17 s, while building HNSW over 20k rows took 30 s to
   * minutes and stalls every query meanwhile; so an embedded collection is searched exactly, with
   * perfect recall, until it is large enough for an index to pay for its build.
   */
  blockingMinTail: 100_000,
  tailRatio: 0.25,
  openAt: 250_000,
  /** A lease older than this belongs to a crashed builder and may be taken over. */
  staleBuildSeconds: 1_800,
  /** Per process and collection, at most one "is a rebuild due?" check in this many ms. */
  checkIntervalMs: 1_000,
  /**
   * Where a build blocks every request (PGlite), the check waits until writes to the collection have
   * paused this long, so a bulk load is not stalled by a build every 2,000 rows; the tail is searched
   * exactly meanwhile. A steady trickle of writes still gets its check after maxDeferMs.
   */
  quietMs: 3_000,
  maxDeferMs: 60_000,
};

@Injectable()
export class VectorIndexService implements OnModuleDestroy {
  private readonly logger = new Logger(VectorIndexService.name);
  private readonly running = new Map<number, Promise<void>>();
  /** When each collection was last checked by this process. */
  private readonly lastCheck = new Map<number, number>();
  /** Checks postponed to the end of the interval. */
  private readonly deferred = new Map<number, NodeJS.Timeout>();
  /** Collections written to while their check or rebuild ran: check again when it ends. */
  private readonly dirty = new Set<number>();
  /** Blocking builds: when each collection's check was first postponed for quiet. */
  private readonly quietSince = new Map<number, number>();
  private closed = false;

  constructor(
    private readonly repository: VectorIndexRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Called after points are written; starts a background rebuild when the tail is large enough. */
  maybeRebuild(collectionId: number): void {
    if (this.closed) return;
    if (this.running.has(collectionId)) {
      this.dirty.add(collectionId);
      return;
    }
    if (this.repository.buildsBlock) return this.schedule(collectionId, this.quietWait(collectionId));
    if (this.deferred.has(collectionId)) return;
    const wait = (this.lastCheck.get(collectionId) ?? 0) + VECTOR_INDEX_POLICY.checkIntervalMs - Date.now();
    if (wait > 0) return this.schedule(collectionId, wait);
    this.check(collectionId);
  }

  /** Blocking builds: quietMs from now, but never past maxDeferMs after the first postponement. */
  private quietWait(collectionId: number): number {
    const first = this.quietSince.get(collectionId) ?? Date.now();
    this.quietSince.set(collectionId, first);
    return Math.min(VECTOR_INDEX_POLICY.quietMs, Math.max(0, first + VECTOR_INDEX_POLICY.maxDeferMs - Date.now()));
  }

  /** (Re)sets the collection's one postponed check. */
  private schedule(collectionId: number, waitMs: number): void {
    clearTimeout(this.deferred.get(collectionId));
    const timer = setTimeout(() => {
      this.deferred.delete(collectionId);
      this.check(collectionId);
    }, waitMs);
    timer.unref();
    this.deferred.set(collectionId, timer);
  }

  private check(collectionId: number): void {
    this.quietSince.delete(collectionId);
    this.lastCheck.set(collectionId, Date.now());
    const run = this.rebuildIfNeeded(collectionId)
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error, collectionId }, 'vector index rebuild failed'))
      .finally(() => {
        this.running.delete(collectionId);
        if (this.dirty.delete(collectionId)) this.maybeRebuild(collectionId);
      });
    this.running.set(collectionId, run);
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const timer of this.deferred.values()) clearTimeout(timer);
    this.deferred.clear();
    this.dirty.clear();
    this.quietSince.clear();
  }

  /** Rebuilds when the policy says so (or always, with force). Resolves when done. */
  async rebuildIfNeeded(collectionId: number, force = false): Promise<boolean> {
    const state = await this.repository.state(collectionId);
    if (!state || state.isOpen) return false;
    const { tail, total } = await this.repository.counts(collectionId, state.watermark);
    const indexed = total - tail;
    const minTail = this.repository.buildsBlock ? VECTOR_INDEX_POLICY.blockingMinTail : VECTOR_INDEX_POLICY.minTail;
    const due = tail >= Math.max(minTail, VECTOR_INDEX_POLICY.tailRatio * indexed);
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
        state.column,
      );
      this.logger.log({ collectionId, index: name, rows: total, ms: Date.now() - started }, 'vector index rebuilt');
      return true;
    } catch (error) {
      await this.repository.releaseBuild(collectionId);
      throw error;
    }
  }

  /** Runs postponed checks now and waits for every background rebuild (tests, benchmarks, shutdown). */
  async settle(collectionId?: number): Promise<void> {
    const mine = (id: number) => collectionId === undefined || id === collectionId;
    for (;;) {
      for (const [id, timer] of this.deferred) {
        if (!mine(id)) continue;
        clearTimeout(timer);
        this.deferred.delete(id);
        if (!this.running.has(id)) this.check(id);
      }
      const runs = [...this.running].filter(([id]) => mine(id)).map(([, run]) => run);
      if (runs.length === 0) return;
      await Promise.all(runs);
    }
  }
}
