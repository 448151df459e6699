import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';

/**
 * Whether a prefix context was already there when `ContextService.getOrCreatePrefixContext` ran.
 * That upsert sets `expires_at = now() + ttl` both when it creates the row (in the transaction
 * that also sets `created_at = now()`) and when it reuses it (a later transaction), so the row
 * was created by that very call exactly when `expires_at - created_at` is still the ttl.
 */
@Injectable()
export class PrefixReuseRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async wasReused(contextId: string): Promise<boolean> {
    const { rows } = await this.db.query<{ reused: boolean }>(
      `SELECT expires_at - created_at > ttl_seconds * interval '1 second' AS reused
       FROM contexts WHERE id = $1`,
      [contextId],
    );
    return rows[0]?.reused ?? false;
  }
}
