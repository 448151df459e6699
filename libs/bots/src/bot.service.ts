import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError, ErrorCode } from '@fjord/common';
import { CollectionService } from '@fjord/knowledge/collections/collection.service';
import { identityOf } from '@fjord/knowledge/schemas/common.schema';
import { BotFields, BotRecord, BotRepository } from './bot.repository';
import type { BotKnowledge, CreateBotInput, UpdateBotInput } from './bot.schema';

/** `bot-<yyyyMMddHHmmss>-<16 hex>`, like context ids. */
export function newBotId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `bot-${stamp}-${randomBytes(8).toString('hex')}`;
}

/** Bot management (api.md section 3): create, read, update, delete, with the references checked. */
@Injectable()
export class BotService {
  constructor(
    private readonly bots: BotRepository,
    private readonly collections: CollectionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(input: CreateBotInput): Promise<BotRecord> {
    const fields: BotFields = {
      name: input.name,
      description: input.description,
      model: input.model,
      systemPrompt: input.system_prompt,
      knowledge: input.knowledge ?? null,
      parameters: input.parameters,
    };
    await this.check(fields);
    return this.bots.insert(newBotId(), fields);
  }

  async get(id: string): Promise<BotRecord> {
    const bot = await this.bots.findById(id);
    if (!bot) throw new DomainError(ErrorCode.BotNotFound, `bot ${id} does not exist`);
    return bot;
  }

  list(ids?: string[]): Promise<BotRecord[]> {
    return this.bots.list(ids);
  }

  async update(id: string, input: UpdateBotInput): Promise<BotRecord> {
    const current = await this.get(id);
    const fields: BotFields = {
      name: input.name ?? current.name,
      description: input.description ?? current.description,
      model: input.model ?? current.model,
      systemPrompt: input.system_prompt ?? current.systemPrompt,
      knowledge: input.knowledge === undefined ? current.knowledge : input.knowledge,
      parameters: input.parameters ?? current.parameters,
    };
    await this.check(fields);
    const updated = await this.bots.update(id, fields);
    if (!updated) throw new DomainError(ErrorCode.BotNotFound, `bot ${id} does not exist`);
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.bots.delete(id))) throw new DomainError(ErrorCode.BotNotFound, `bot ${id} does not exist`);
  }

  /** Throws BotNotFound naming every id in `ids` that is not a bot. */
  async assertExist(ids: string[]): Promise<void> {
    const found = new Set(await this.bots.existingIds(ids));
    const missing = [...new Set(ids)].filter((id) => !found.has(id));
    if (missing.length) throw new DomainError(ErrorCode.BotNotFound, `no such bot: ${missing.join(', ')}`, { param: 'ResourceIds' });
  }

  private async check(fields: BotFields): Promise<void> {
    this.assertModelKnown(fields.model);
    if (fields.knowledge) await this.assertCollectionsExist(fields.knowledge);
  }

  /**
   * The local extractive answerer serves any model name. With an upstream, a name is known when
   * LLM_MODEL_MAP lists it, or LLM_MODEL gives a default, or there is no map at all (names go upstream as they are).
   */
  private assertModelKnown(model: string): void {
    const { baseUrl, model: defaultModel, modelMap } = this.config.llm;
    if (!baseUrl || defaultModel || model in modelMap || Object.keys(modelMap).length === 0) return;
    throw new DomainError(ErrorCode.ModelNotFound, `model ${model} is not served here (known: ${Object.keys(modelMap).join(', ')})`, { param: 'model' });
  }

  private async assertCollectionsExist(knowledge: BotKnowledge): Promise<void> {
    const missing: string[] = [];
    for (const [i, ref] of knowledge.collections.entries()) {
      const identity = identityOf(ref);
      if (!identity) {
        throw new DomainError(ErrorCode.MissingParameter, 'name each collection with resource_id, or name (+ project)', { param: `knowledge.collections.${i}` });
      }
      try {
        await this.collections.resolve(ref);
      } catch (error) {
        if (!(error instanceof DomainError && error.code === ErrorCode.CollectionNotFound)) throw error;
        missing.push('resourceId' in identity ? `resource_id ${identity.resourceId}` : `${identity.name} (project ${identity.project})`);
      }
    }
    if (missing.length) {
      throw new DomainError(ErrorCode.CollectionNotFound, `knowledge names collections that do not exist: ${missing.join('; ')}`, { param: 'knowledge.collections' });
    }
  }
}
