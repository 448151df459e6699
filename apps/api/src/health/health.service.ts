import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DB, Db } from '@fjord/database';
import { REDIS } from '@fjord/jobs';

export type ComponentStatus = 'ok' | 'down' | 'disabled';

export interface HealthReport {
  status: 'ok' | 'degraded';
  /** busy_ms: embedded only, how long the database thread has been working on its current statement. */
  database: { status: ComponentStatus; kind: Db['kind']; error?: string; busy_ms?: number };
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
