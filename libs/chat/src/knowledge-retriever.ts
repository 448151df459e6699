import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { DomainError } from '@fjord/common';
import { SearchHit, SearchService, searchKnowledgeSchema } from '@fjord/search';
import { countTokens } from '@fjord/text';
import type { KnowledgeReference, RetrievalSpec, SearchUsage } from './knowledge-chat.types';

/** Passages given to the model when the request names no limit. */
export const DEFAULT_PASSAGE_LIMIT = 5;
/** Collections one chat may search. */
export const MAX_COLLECTIONS = 10;
/** Passages stop being added once their text reaches this many tokens (at least one is always kept). */
export const MAX_PASSAGE_TOKENS = 12_000;

export interface Passage {
  reference: KnowledgeReference;
  hit: SearchHit;
}

export interface Retrieved {
  passages: Passage[];
  usage: SearchUsage;
  /** Names of the collections searched, in request order. */
  collectionNames: string[];
}

/**
 * Keeps passages within MAX_PASSAGE_TOKENS (o200k). A token is at least one UTF-8 byte, so while
 * the byte total fits nothing is counted; past that, the passages are counted exactly.
 */
export class PassageBudget {
  private total = 0;
  private exact = false;
  private readonly kept: string[] = [];

  fits(content: string): boolean {
    if (this.kept.length === 0) return this.keep(content, this.exact ? countTokens(content) : Buffer.byteLength(content, 'utf8'));
    if (!this.exact) {
      const bytes = Buffer.byteLength(content, 'utf8');
      if (this.total + bytes <= MAX_PASSAGE_TOKENS) return this.keep(content, bytes);
      this.exact = true;
      this.total = this.kept.reduce((sum, text) => sum + countTokens(text), 0);
    }
    const tokens = countTokens(content);
    return this.total + tokens <= MAX_PASSAGE_TOKENS && this.keep(content, tokens);
  }

  private keep(content: string, cost: number): true {
    this.kept.push(content);
    this.total += cost;
    return true;
  }
}

interface Ranked {
  hit: SearchHit;
  collection: number;
}

function toReference(hit: SearchHit): Omit<KnowledgeReference, 'collectionName' | 'project'> {
  return {
    pointId: hit.point.pointId,
    docId: hit.document.docId,
    docName: hit.document.docName,
    docType: hit.document.docType,
    chunkId: hit.point.chunkId,
    chunkTitle: hit.point.chunkTitle,
    title: hit.document.docName,
    content: hit.point.content,
    ...(hit.point.position ? { position: hit.point.position } : {}),
    ...(hit.document.url ? { url: hit.document.url } : {}),
    score: hit.score,
  };
}

/**
 * Searches each collection of a RetrievalSpec (SearchService: hybrid retrieval, filters, rerank),
 * merges the hits by score, drops those below KNOWLEDGE_CHAT_MIN_SCORE, and keeps the best `limit`
 * within the token budget, most relevant first: passage [1] and the first reference are the best
 * match. (A follow-up that finds the same passages in the same order still reuses the cached prefix.)
 */
@Injectable()
export class KnowledgeRetriever {
  constructor(
    private readonly searches: SearchService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async retrieve(spec: RetrievalSpec, query: string): Promise<Retrieved> {
    if (spec.collections.length === 0) throw DomainError.invalid('retrieval needs at least one collection', 'collections');
    if (spec.collections.length > MAX_COLLECTIONS) throw DomainError.invalid(`at most ${MAX_COLLECTIONS} collections can be searched at once`, 'collections');
    const limit = spec.limit ?? DEFAULT_PASSAGE_LIMIT;
    const inputs = spec.collections.map((ref, i) => {
      const parsed = searchKnowledgeSchema.safeParse({
        ...ref,
        query,
        limit,
        ...(spec.denseWeight === undefined ? {} : { dense_weight: spec.denseWeight }),
        ...(spec.queryParam === undefined ? {} : { query_param: spec.queryParam }),
        ...(spec.postProcessing === undefined ? {} : { post_processing: spec.postProcessing }),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const path = issue?.path.join('.') ?? '';
        throw DomainError.invalid(`retrieval${spec.collections.length > 1 ? ` (collections.${i})` : ''}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`, path || undefined);
      }
      return parsed.data;
    });
    const results = await Promise.all(inputs.map((input) => this.searches.search(input)));

    const ranked: Ranked[] = results.flatMap((r, collection) => r.hits.map((hit) => ({ hit, collection })));
    ranked.sort((a, b) => b.hit.score - a.hit.score || a.collection - b.collection || a.hit.recallPosition - b.hit.recallPosition);
    const seen = new Set<string>();
    const chosen: Ranked[] = [];
    const budget = new PassageBudget();
    for (const r of ranked) {
      if (chosen.length >= limit || r.hit.score < this.config.knowledgeChat.minScore) break;
      const key = `${results[r.collection].collection.id}:${r.hit.point.id}`;
      if (seen.has(key) || !budget.fits(r.hit.point.content)) continue;
      seen.add(key);
      chosen.push(r);
    }

    const promptTokens = results.reduce((sum, r) => sum + r.tokenUsage.embedding + r.tokenUsage.rerank, 0);
    return {
      passages: chosen.map((r) => {
        const collection = results[r.collection].collection;
        return { hit: r.hit, reference: { ...toReference(r.hit), collectionName: collection.name, project: collection.project } };
      }),
      usage: { searchCount: results.length, promptTokens, completionTokens: 0, totalTokens: promptTokens },
      collectionNames: results.map((r) => r.collection.name),
    };
  }
}
