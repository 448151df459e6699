import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';

export interface ApiKeyRow {
  [column: string]: unknown;
  id: string;
  key_hash: string;
  kind: 'admin' | 'bot';
  bot_ids: string[];
  expires_at: Date | null;
}

@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async findByHash(keyHash: string): Promise<ApiKeyRow | undefined> {
    const { rows } = await this.db.query<ApiKeyRow>(
      'SELECT id, key_hash, kind, bot_ids, expires_at FROM api_keys WHERE key_hash = $1',
      [keyHash],
    );
    return rows[0];
  }

  /** Returns false when a key with this id already exists (another process won the race). */
  async insertIfAbsent(key: { id: string; keyHash: string; kind: 'admin' | 'bot'; botIds?: string[]; expiresAt?: Date }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO api_keys (id, key_hash, kind, bot_ids, expires_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
      [key.id, key.keyHash, key.kind, key.botIds ?? [], key.expiresAt ?? null],
    );
    return rowCount > 0;
  }

  async upsertAdmin(id: string, keyHash: string): Promise<void> {
    await this.db.query(
      `INSERT INTO api_keys (id, key_hash, kind) VALUES ($1, $2, 'admin')
       ON CONFLICT (id) DO UPDATE SET key_hash = EXCLUDED.key_hash`,
      [id, keyHash],
    );
  }

  async countAdmins(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM api_keys WHERE kind = 'admin'");
    return rows[0].n;
  }

  async deleteExpired(now: Date): Promise<number> {
    // Scoped keys without an expiry are refused too; admin keys never expire and are kept.
    const { rowCount } = await this.db.query(
      "DELETE FROM api_keys WHERE kind = 'bot' AND (expires_at IS NULL OR expires_at < $1)",
      [now],
    );
    return rowCount;
  }
}
