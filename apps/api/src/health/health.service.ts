import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DB, Db, ReplicaStatus } from '@fjord/database';
import { REDIS } from '@fjord/jobs';

export type ComponentStatus = 'ok' | 'down' | 'disabled';

/** A read replica: a lagging or down one is skipped (reads go to the primary), so it never degrades health. */
export interface ReplicaReport {
  name: string;
  status: ReplicaStatus['status'];
  lag_ms?: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** busy_ms: embedded only, how long the database thread has been working on its current statement. */
  database: { status: ComponentStatus; kind: Db['kind']; error?: string; busy_ms?: number; replicas?: ReplicaReport[] };
  redis: { status: ComponentStatus; error?: string };
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS).unref()),
  ]);
}

@Injectable()
export class HealthService {
  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, redis] = await Promise.all([this.checkDatabase(), this.checkRedis()]);
    const status = database.status === 'ok' && redis.status !== 'down' ? 'ok' : 'degraded';
    return { status, database, redis };
  }

  private async checkDatabase(): Promise<HealthReport['database']> {
    const replicas = this.db.replicaStatus?.()?.map(({ name, status, lagMs, error }) => ({
      name,
      status,
      ...(lagMs !== undefined ? { lag_ms: lagMs } : {}),
      ...(error ? { error } : {}),
    }));
    return { ...(await this.checkPrimary()), ...(replicas ? { replicas } : {}) };
  }

  private async checkPrimary(): Promise<HealthReport['database']> {
    // A busy embedded database thread is alive; a SELECT 1 would wait behind its work (an index build, a large commit).
    const busySince = this.db.busySince?.();
    if (busySince !== undefined) return { status: 'ok', kind: this.db.kind, busy_ms: Date.now() - busySince };
    try {
      await withTimeout(this.db.query('SELECT 1'));
      return { status: 'ok', kind: this.db.kind };
    } catch (error) {
      return { status: 'down', kind: this.db.kind, error: (error as Error).message };
    }
  }

  private async checkRedis(): Promise<HealthReport['redis']> {
    if (!this.redis) return { status: 'disabled' };
    try {
      await withTimeout(this.redis.ping());
      return { status: 'ok' };
    } catch (error) {
      return { status: 'down', error: (error as Error).message };
    }
  }
}
