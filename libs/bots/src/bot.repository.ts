import { Inject, Injectable } from '@nestjs/common';
import { DB, Db } from '@fjord/database';
import type { BotKnowledge, BotParameters } from './bot.schema';

export interface BotRecord {
  id: string;
  name: string;
  description: string;
  model: string;
  systemPrompt: string;
  knowledge: BotKnowledge | null;
  parameters: BotParameters;
  createdAt: Date;
  updatedAt: Date;
}

export type BotFields = Omit<BotRecord, 'id' | 'createdAt' | 'updatedAt'>;

interface BotRow {
  [column: string]: unknown;
  id: string;
  name: string;
  description: string;
  model: string;
  system_prompt: string;
  knowledge: BotKnowledge | null;
  parameters: BotParameters;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, description, model, system_prompt, knowledge, parameters, created_at, updated_at';

function toRecord(row: BotRow): BotRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    model: row.model,
    systemPrompt: row.system_prompt,
    knowledge: row.knowledge,
    parameters: row.parameters ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

@Injectable()
export class BotRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insert(id: string, bot: BotFields): Promise<BotRecord> {
    const { rows } = await this.db.query<BotRow>(
      `INSERT INTO bots (id, name, description, model, system_prompt, knowledge, parameters)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING ${COLUMNS}`,
      [id, bot.name, bot.description, bot.model, bot.systemPrompt, bot.knowledge ? JSON.stringify(bot.knowledge) : null, JSON.stringify(bot.parameters)],
    );
    return toRecord(rows[0]);
  }

  async findById(id: string): Promise<BotRecord | undefined> {
    const { rows } = await this.db.query<BotRow>(`SELECT ${COLUMNS} FROM bots WHERE id = $1`, [id]);
    return rows[0] && toRecord(rows[0]);
  }

  /** The ids among `ids` that name existing bots. */
  async existingIds(ids: string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM bots WHERE id = ANY($1::text[])', [ids]);
    return rows.map((row) => row.id);
  }

  /** Oldest first; `ids` restricts the list (a bot key sees only its bots). */
  async list(ids?: string[]): Promise<BotRecord[]> {
    const { rows } = await this.db.query<BotRow>(
      `SELECT ${COLUMNS} FROM bots WHERE ($1::text[] IS NULL OR id = ANY($1::text[])) ORDER BY created_at, id`,
      [ids ?? null],
    );
    return rows.map(toRecord);
  }

  async update(id: string, bot: BotFields): Promise<BotRecord | undefined> {
    const { rows } = await this.db.query<BotRow>(
      `UPDATE bots
          SET name = $2, description = $3, model = $4, system_prompt = $5, knowledge = $6, parameters = $7, updated_at = now()
        WHERE id = $1
       RETURNING ${COLUMNS}`,
      [id, bot.name, bot.description, bot.model, bot.systemPrompt, bot.knowledge ? JSON.stringify(bot.knowledge) : null, JSON.stringify(bot.parameters)],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async delete(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM bots WHERE id = $1', [id]);
    return rowCount > 0;
  }
}
