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

export interface ApiKeyListRow {
  [column: string]: unknown;
  id: string;
  kind: 'admin' | 'bot';
  description: string;
  bot_ids: string[];
  expires_at: Date | null;
  created_at: Date;
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
  async insertIfAbsent(key: { id: string; keyHash: string; kind: 'admin' | 'bot'; botIds?: string[]; expiresAt?: Date; description?: string }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO api_keys (id, key_hash, kind, bot_ids, expires_at, description)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
      [key.id, key.keyHash, key.kind, key.botIds ?? [], key.expiresAt ?? null, key.description ?? ''],
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

  async list(): Promise<ApiKeyListRow[]> {
    const { rows } = await this.db.query<ApiKeyListRow>(
      'SELECT id, kind, description, bot_ids, expires_at, created_at FROM api_keys ORDER BY created_at, id',
    );
    return rows;
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM api_keys WHERE id = $1', [id]);
    return rowCount > 0;
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
