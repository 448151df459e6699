import type { AppConfig } from '@fjord/config';
import type { VectorIndexRepository } from './vector-index.repository';
import { VECTOR_INDEX_POLICY, VectorIndexService } from './vector-index.service';

/** A repository whose collection 1 has `tail` unindexed rows and nothing indexed yet. */
function fakeRepository(tail: number, buildsBlock = false) {
  const calls = { counts: 0, builds: 0 };
  const repository = {
    buildsBlock,
    state: async () => ({ collectionId: 1, indexName: null, watermark: 0, isOpen: false, dimension: 8, model: 'm', column: 'embedding' as const }),
    counts: async () => {
      calls.counts++;
      return { tail, total: tail };
    },
    claimBuild: async () => true,
    releaseBuild: async () => undefined,
    maxPointId: async () => tail,
    build: async () => {
      calls.builds++;
      return 'points_hnsw_c1_w1';
    },
  } as unknown as VectorIndexRepository;
  return { repository, calls };
}

const config = { vectorIndex: { m: 16, efConstruction: 64, efSearch: 100 } } as AppConfig;
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('VectorIndexService.maybeRebuild', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('checks a collection at most once per interval, and makes the skipped check at its end', async () => {
    const { repository, calls } = fakeRepository(10);
    const service = new VectorIndexService(repository, config);
    service.maybeRebuild(1);
    await service.settle(1);
    for (let i = 0; i < 50; i++) service.maybeRebuild(1);
    await flush();
    expect(calls.counts).toBe(1);
    jest.advanceTimersByTime(VECTOR_INDEX_POLICY.checkIntervalMs);
    await service.settle(1);
    expect(calls.counts).toBe(2);
    expect(calls.builds).toBe(0);
  });

  it('settle() runs a postponed check at once, so a due rebuild is never left waiting', async () => {
    const { repository, calls } = fakeRepository(VECTOR_INDEX_POLICY.minTail);
    const service = new VectorIndexService(repository, config);
    service.maybeRebuild(1);
    await service.settle(1);
    service.maybeRebuild(1);
    await service.settle(1);
    expect(calls.counts).toBe(2);
    expect(calls.builds).toBe(2);
  });

  it('stops scheduling checks on shutdown', async () => {
    const { repository, calls } = fakeRepository(10);
    const service = new VectorIndexService(repository, config);
    service.maybeRebuild(1);
    await service.settle(1);
    service.maybeRebuild(1);
    service.onModuleDestroy();
    jest.advanceTimersByTime(VECTOR_INDEX_POLICY.checkIntervalMs);
    await flush();
    expect(calls.counts).toBe(1);
  });
});

describe('VectorIndexService.maybeRebuild where a build blocks every request (PGlite)', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('waits until writes pause for quietMs, so a bulk load is not stalled by builds', async () => {
    const { repository, calls } = fakeRepository(VECTOR_INDEX_POLICY.blockingMinTail, true);
    const service = new VectorIndexService(repository, config);
    // A document committed every second for 20 s: no check while the load goes on.
    for (let second = 0; second < 20; second++) {
      service.maybeRebuild(1);
      jest.advanceTimersByTime(1_000);
      await flush();
    }
    expect(calls.counts).toBe(0);
    jest.advanceTimersByTime(VECTOR_INDEX_POLICY.quietMs);
    await service.settle(1);
    expect([calls.counts, calls.builds]).toEqual([1, 1]);
  });

  it('still checks within maxDeferMs when writes never pause', async () => {
    const { repository, calls } = fakeRepository(VECTOR_INDEX_POLICY.blockingMinTail, true);
    const service = new VectorIndexService(repository, config);
    let checkedAfter: number | undefined;
    for (let ms = 0; ms <= VECTOR_INDEX_POLICY.maxDeferMs + 5_000 && checkedAfter === undefined; ms += 1_000) {
      service.maybeRebuild(1);
      jest.advanceTimersByTime(1_000);
      await flush();
      if (calls.counts > 0) checkedAfter = ms + 1_000;
    }
    expect(checkedAfter).toBeDefined();
    expect(checkedAfter).toBeLessThanOrEqual(VECTOR_INDEX_POLICY.maxDeferMs + 1_000);
    expect(checkedAfter).toBeGreaterThanOrEqual(VECTOR_INDEX_POLICY.maxDeferMs - 1_000);
    await service.settle(1);
  });

  it('searches a tail below blockingMinTail exactly rather than stall every query for a build', async () => {
    const { repository, calls } = fakeRepository(VECTOR_INDEX_POLICY.blockingMinTail - 1, true);
    const service = new VectorIndexService(repository, config);
    service.maybeRebuild(1);
    await service.settle(1);
    expect([calls.counts, calls.builds]).toEqual([1, 0]);
  });

  it('settle() runs the waiting check at once', async () => {
    const { repository, calls } = fakeRepository(VECTOR_INDEX_POLICY.blockingMinTail, true);
    const service = new VectorIndexService(repository, config);
    service.maybeRebuild(1);
    await service.settle(1);
    expect([calls.counts, calls.builds]).toEqual([1, 1]);
  });
});
