import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';
import type { ContextMode, TruncationStrategy } from './context.schema';

export type StoredMessage = {
  role: 'system' | 'user' | 'assistant';
  content: string;
  tokens: number;
};

export type HistoryMessage = StoredMessage & { turn: number };

/** A context as stored (never returned to clients as is; the service maps it). */
export type ContextRow = {
  id: string;
  model: string;
  mode: ContextMode;
  ttl_seconds: number;
  truncation: TruncationStrategy | null;
  messages: StoredMessage[];
  prefix_tokens: number;
};

export interface NewContext {
  id: string;
  model: string;
  mode: ContextMode;
  ttlSeconds: number;
  truncation: TruncationStrategy | null;
  messages: StoredMessage[];
  prefixTokens: number;
  prefixHash?: string;
}

const CONTEXT_COLUMNS = 'id, model, mode, ttl_seconds, truncation, messages, prefix_tokens';

/** All SQL of the context cache. Time is the database's clock (now()), shared by every API process. */
@Injectable()
export class ContextRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(context: NewContext): Promise<void> {
    await this.db.query(
      `INSERT INTO contexts (id, model, mode, ttl_seconds, truncation, messages, prefix_tokens, prefix_hash, expires_at)
       VALUES ($1, $2, $3, $4::int, $5, $6, $7, $8, now() + $4::int * interval '1 second')`,
      [
        context.id,
        context.model,
        context.mode,
        context.ttlSeconds,
        context.truncation === null ? null : JSON.stringify(context.truncation),
        JSON.stringify(context.messages),
        context.prefixTokens,
        context.prefixHash ?? null,
      ],
    );
  }

  /** Renews the prefix context with this hash for another `ttlSeconds`; undefined when there is none. */
  async renewByPrefixHash(prefixHash: string, ttlSeconds: number): Promise<{ id: string; prefix_tokens: number } | undefined> {
    const { rows } = await this.db.query<{ id: string; prefix_tokens: number }>(
      `UPDATE contexts SET ttl_seconds = $2::int, expires_at = now() + $2::int * interval '1 second'
       WHERE prefix_hash = $1 RETURNING id, prefix_tokens`,
      [prefixHash, ttlSeconds],
    );
    return rows[0];
  }

  /**
   * The common_prefix context for a prefix hash: created, or (when it exists, even expired but not
   * yet swept, or just stored by a concurrent call) renewed for another ttl. Returns its id, and
   * `created` saying which.
   */
  async upsertByPrefixHash(context: NewContext & { prefixHash: string }): Promise<{ id: string; created: boolean }> {
    // xmax is 0 exactly on a row this statement inserted (an ON CONFLICT update sets it).
    const { rows } = await this.db.query<{ id: string; created: boolean }>(
      `INSERT INTO contexts (id, model, mode, ttl_seconds, truncation, messages, prefix_tokens, prefix_hash, expires_at)
       VALUES ($1, $2, 'common_prefix', $3::int, NULL, $4, $5, $6, now() + $3::int * interval '1 second')
       ON CONFLICT (prefix_hash) WHERE prefix_hash IS NOT NULL
       DO UPDATE SET ttl_seconds = EXCLUDED.ttl_seconds, expires_at = EXCLUDED.expires_at
       RETURNING id, (xmax = 0) AS created`,
      [context.id, context.model, context.ttlSeconds, JSON.stringify(context.messages), context.prefixTokens, context.prefixHash],
    );
    return rows[0];
  }

  /**
   * Sliding ttl: renews an unexpired context to now + ttl and returns it with its session history
   * (in order), in one round trip; undefined when it is unknown or expired.
   */
  async touch(id: string): Promise<(ContextRow & { history: HistoryMessage[] }) | undefined> {
    const { rows } = await this.db.query<ContextRow & { history: HistoryMessage[] }>(
      `WITH touched AS (
         UPDATE contexts SET expires_at = now() + ttl_seconds * interval '1 second'
         WHERE id = $1 AND expires_at > now()
         RETURNING ${CONTEXT_COLUMNS}
       )
       SELECT touched.*,
              COALESCE((SELECT json_agg(json_build_object('turn', m.turn, 'role', m.role, 'content', m.content, 'tokens', m.tokens)
                                        ORDER BY m.turn, m.position)
                        FROM context_messages m WHERE m.context_id = touched.id), '[]'::json) AS history
       FROM touched`,
      [id],
    );
    return rows[0];
  }

  /**
   * Appends one turn's messages under the next turn number, in one statement: the UPDATE locks the
   * context row while the turn number is taken and the rows inserted, so concurrent turns on one
   * context are numbered and stored one after the other, none lost. Returns the turn number, or
   * undefined when the context disappeared meanwhile (expired and swept).
   */
  async appendTurn(id: string, messages: StoredMessage[]): Promise<number | undefined> {
    const { rows } = await this.db.query<{ turn: number }>(
      `WITH next AS (
         UPDATE contexts SET turns = turns + 1 WHERE id = $1 RETURNING turns
       ), inserted AS (
         INSERT INTO context_messages (context_id, turn, position, role, content, tokens)
         SELECT $1, next.turns, m.ord - 1, m.role, m.content, m.tokens
         FROM next, unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS m(role, content, tokens, ord)
         RETURNING 1
       )
       SELECT turns AS turn FROM next`,
      [id, messages.map((m) => m.role), messages.map((m) => m.content), messages.map((m) => m.tokens)],
    );
    return rows[0]?.turn;
  }

  /** Deletes history turns before `turn` (rolling truncation decided at call time). */
  async deleteTurnsBefore(id: string, turn: number): Promise<void> {
    await this.db.query('DELETE FROM context_messages WHERE context_id = $1 AND turn < $2', [id, turn]);
  }

  /**
   * last_history_tokens: keeps the newest whole turns totalling at most `budget` tokens and deletes
   * the older ones (the rule of `firstTurnWithinBudget`, applied to what is stored now, so turns
   * appended concurrently are counted too).
   */
  async keepNewestTurnsWithin(id: string, budget: number): Promise<void> {
    await this.db.query(
      `DELETE FROM context_messages
       WHERE context_id = $1
         AND turn < (SELECT COALESCE(min(turn) FILTER (WHERE newer_tokens <= $2), max(turn) + 1)
                     FROM (SELECT turn, sum(sum(tokens)) OVER (ORDER BY turn DESC) AS newer_tokens
                           FROM context_messages WHERE context_id = $1 GROUP BY turn) AS totals)`,
      [id, budget],
    );
  }

  /** Deletes up to `limit` expired contexts (their history cascades). Idempotent; safe from any number of processes. */
  async deleteExpired(limit: number): Promise<number> {
    const { rowCount } = await this.db.query(
      `DELETE FROM contexts WHERE id IN (SELECT id FROM contexts WHERE expires_at <= now() ORDER BY expires_at LIMIT $1)`,
      [limit],
    );
    return rowCount;
  }
}
