import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';

export interface AccessKeyRow {
  [column: string]: unknown;
  access_key_id: string;
  secret_ciphertext: string;
  description: string;
  created_at: Date;
}

@Injectable()
export class AccessKeyRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async find(accessKeyId: string): Promise<AccessKeyRow | undefined> {
    const { rows } = await this.db.query<AccessKeyRow>(
      'SELECT access_key_id, secret_ciphertext, description, created_at FROM access_keys WHERE access_key_id = $1',
      [accessKeyId],
    );
    return rows[0];
  }

  async insert(key: { accessKeyId: string; secretCiphertext: string; description: string }): Promise<AccessKeyRow> {
    const { rows } = await this.db.query<AccessKeyRow>(
      `INSERT INTO access_keys (access_key_id, secret_ciphertext, description) VALUES ($1, $2, $3)
       RETURNING access_key_id, secret_ciphertext, description, created_at`,
      [key.accessKeyId, key.secretCiphertext, key.description],
    );
    return rows[0];
  }

  async list(): Promise<AccessKeyRow[]> {
    const { rows } = await this.db.query<AccessKeyRow>(
      'SELECT access_key_id, secret_ciphertext, description, created_at FROM access_keys ORDER BY created_at, access_key_id',
    );
    return rows;
  }

  async delete(accessKeyId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM access_keys WHERE access_key_id = $1', [accessKeyId]);
    return rowCount > 0;
  }
}
