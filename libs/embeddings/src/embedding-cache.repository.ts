import type { Queryable } from '@fjord/database';
import { fromSql, toSql } from 'pgvector';

export interface EmbeddingCacheEntry {
  /** sha256 (hex) of the embedded text. */
  hash: string;
  embedding: number[];
}

/**
 * Embeddings by (model, sha256 of the text) in `embedding_cache`, so a re-uploaded or edited
 * document re-embeds only the chunks that changed. Vectors travel as pgvector text ('[1,2,3]')
 * both ways, which works the same on node-postgres and PGlite without registering types.
 */
export class EmbeddingCacheRepository {
  constructor(private readonly db: Queryable) {}

  /** The cached vectors among `hashes`; missing hashes are simply absent from the map. */
  async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    if (hashes.length === 0) return found;
    const { rows } = await this.db.query<{ text_hash: string; embedding: string }>(
      `SELECT text_hash, embedding::text AS embedding
         FROM embedding_cache
        WHERE model = $1 AND text_hash = ANY($2::text[])`,
      [model, hashes],
    );
    for (const row of rows) found.set(row.text_hash, fromSql(row.embedding) as number[]);
    return found;
  }

  /** Stores new entries in one statement; an entry already cached is left as it is. */
  async putMany(model: string, entries: readonly EmbeddingCacheEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `INSERT INTO embedding_cache (model, text_hash, embedding)
       SELECT $1::text, entry.text_hash, entry.embedding::vector
         FROM unnest($2::text[], $3::text[]) AS entry (text_hash, embedding)
       ON CONFLICT (model, text_hash) DO NOTHING`,
      [model, entries.map((entry) => entry.hash), entries.map((entry) => toSql(entry.embedding) as string)],
    );
  }
}
