import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';

/** A live session joined with the key it was opened with (the key's own expiry still applies). */
export interface ConsoleSessionRow {
  [column: string]: unknown;
  expires_at: Date;
  key_id: string;
  kind: 'admin' | 'bot';
  bot_ids: string[];
  key_expires_at: Date | null;
}

@Injectable()
export class ConsoleSessionRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(session: { tokenHash: string; keyId: string; expiresAt: Date }): Promise<void> {
    await this.db.query('INSERT INTO console_sessions (token_hash, key_id, expires_at) VALUES ($1, $2, $3)', [
      session.tokenHash,
      session.keyId,
      session.expiresAt,
    ]);
  }

  async findLive(tokenHash: string, now: Date): Promise<ConsoleSessionRow | undefined> {
    const { rows } = await this.db.query<ConsoleSessionRow>(
      `SELECT s.expires_at, k.id AS key_id, k.kind, k.bot_ids, k.expires_at AS key_expires_at
         FROM console_sessions s JOIN api_keys k ON k.id = s.key_id
        WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash, now],
    );
    return rows[0];
  }

  async delete(tokenHash: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM console_sessions WHERE token_hash = $1', [tokenHash]);
    return rowCount > 0;
  }

  async deleteExpired(now: Date): Promise<number> {
    const { rowCount } = await this.db.query('DELETE FROM console_sessions WHERE expires_at <= $1', [now]);
    return rowCount;
  }
}
