import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@fjord/config';
import { EmbeddingModels } from '@fjord/embeddings';
import { CollectionRecord } from '@fjord/knowledge/collections/collection.repository';
import { CollectionService } from '@fjord/knowledge/collections/collection.service';
import { VectorIndexRepository } from '@fjord/knowledge/vector-index/vector-index.repository';
import { countTokens } from '@fjord/text';
import { checkDocFilter } from './filters/doc-filter';
import { RerankService } from './rerank/rerank.service';
import { searchedQuery } from './query/retrieval-query';
import { DocumentFrequencies, PostingHeads, idf, prunedLexical, queryTerms } from './retrieval/bm25';
import { FUSION_METHOD, Fused, SignalScore, defaultDenseWeight, fuse } from './retrieval/fusion';
import { Candidate, HitDocument, HitPoint, SearchRepository } from './retrieval/search.repository';
import { SearchKnowledgeInput, SearchKnowledgeRequest, searchKnowledgeSchema } from './schemas/search.schema';
import { DomainError } from '@fjord/common';

/** What one result item knows about each signal (api.md: debug shows rank and score of each). */
export interface HitSignals {
  dense?: SignalScore;
  lexical?: SignalScore;
  fused?: SignalScore;
  rerank?: SignalScore;
}

export interface SearchHit {
  point: HitPoint;
  document: HitDocument;
  /** The fused retrieval score (0..1 with the default blend fusion). */
  score: number;
  /** 1-based position after fusion. */
  recallPosition: number;
  rerankScore?: number;
  rerankPosition?: number;
  signals: HitSignals;
  /** Set on a neighbour added by chunk_diffusion_count: the point_id of the hit it neighbours. */
  diffusedFrom?: string;
}

export interface SearchResult {
  collection: CollectionRecord;
  query: string;
  hits: SearchHit[];
  /**
   * The model whose vectors served the dense side: the collection's, read with the vector index
   * state, so a search racing a model switch reports the model it actually used.
   */
  embeddingModel: string;
  /** o200k tokens of what was embedded and reranked (for return_token_usage). */
  tokenUsage: { embedding: number; rerank: number };
}

/** The search options: a search_knowledge request without the collection's identity. */
export type SearchOptions = Omit<SearchKnowledgeInput, 'resource_id' | 'name' | 'collection_name' | 'project'>;

/** Candidates each signal contributes before fusion: enough that fusion can re-order the tail. */
const MIN_CANDIDATES = 20;
const CANDIDATE_FACTOR = 2;
const MAX_CANDIDATES = 400;

/**
 * Hybrid retrieval for one collection: dense (pgvector HNSW, cosine) and lexical (BM25 over the
 * analyser's terms) candidates, fused by dense_weight, optionally reranked, then neighbours
 * (chunk_diffusion_count) and per-document grouping (chunk_group).
 */
@Injectable()
export class SearchService {
  private readonly documentFrequencies: DocumentFrequencies;
  private readonly postingHeads: PostingHeads;

  constructor(
    private readonly repository: SearchRepository,
    private readonly collections: CollectionService,
    private readonly vectorIndexes: VectorIndexRepository,
    private readonly embeddings: EmbeddingModels,
    private readonly rerank: RerankService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.documentFrequencies = new DocumentFrequencies(repository);
    this.postingHeads = new PostingHeads(repository);
  }

  /**
   * For callers outside HTTP (knowledge chat, bots): takes a search_knowledge body as a client would
   * write it (defaults not yet applied), validates it exactly as the endpoint does (1000003 naming
   * the field) and searches.
   */
  async searchRequest(body: SearchKnowledgeRequest): Promise<SearchResult> {
    const parsed = searchKnowledgeSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue.path.join('.');
      throw DomainError.invalid(`${param ? `${param}: ` : ''}${issue.message}`, param || undefined);
    }
    return this.search(parsed.data);
  }

  /**
   * search_knowledge: resolves the collection (1000005 when missing), rewrites the query from
   * `pre_processing.messages` when `rewrite` is on, then `searchIn` (whose result carries the query
   * searched: the response's rewrite_query).
   */
  async search(input: SearchKnowledgeInput): Promise<SearchResult> {
    const collection = await this.collections.resolve(input);
    return this.searchIn(collection, { ...input, query: searchedQuery(input) });
  }

  async searchIn(collection: CollectionRecord, options: SearchOptions): Promise<SearchResult> {
    const post = options.post_processing;
    const filter = options.query_param?.doc_filter ? checkDocFilter(options.query_param.doc_filter, collection.fields) : undefined;
    const empty = (embedding: number, embeddingModel = collection.embeddingModel): SearchResult => ({ collection, query: options.query, hits: [], embeddingModel, tokenUsage: { embedding, rerank: 0 } });
    const documentIds = filter ? await this.repository.filterDocuments(collection.id, filter) : undefined;
    // Nothing is embedded when no document passes the filter.
    if (documentIds?.length === 0) return empty(0);

    const denseWeight = options.dense_weight ?? defaultDenseWeight(collection.embeddingModel);
    const wanted = post.rerank_switch ? post.retrieve_count : options.limit;
    const k = Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, CANDIDATE_FACTOR * wanted));
    const [dense, lexical] = await Promise.all([
      denseWeight > 0 ? this.dense(collection, this.instructed(options), k, documentIds) : Promise.resolve({ candidates: [], embeddingTokens: 0, embeddingModel: collection.embeddingModel }),
      denseWeight < 1 ? this.lexical(collection, options.query, k, documentIds) : Promise.resolve([]),
    ]);
    const { embeddingTokens, embeddingModel } = dense;
    const fused = fuse(dense.candidates, lexical, denseWeight, FUSION_METHOD).slice(0, wanted);
    if (fused.length === 0) return empty(embeddingTokens, embeddingModel);

    const points = new Map((await this.repository.pointsByIds(fused.map((f) => f.id))).map((p) => [p.id, p]));
    let ranked = fused.map((f, i) => ({ fused: f, point: points.get(f.id), recallPosition: i + 1 })).filter((r): r is Ranked => r.point !== undefined);
    let rerankTokens = 0;
    let rerankScores: Map<number, SignalScore> | undefined;
    if (post.rerank_switch) {
      const { scores, tokens } = await this.rerank.score(
        options.query,
        ranked.map((r) => ({ content: r.point.content, title: r.point.chunkTitle })),
        post.rerank_model,
      );
      rerankTokens = tokens;
      const order = ranked.map((r, i) => ({ r, score: scores[i] })).sort((a, b) => b.score - a.score || a.r.recallPosition - b.r.recallPosition);
      rerankScores = new Map(order.map((o, i) => [o.r.point.id, { rank: i + 1, score: o.score }]));
      ranked = order.map((o) => o.r);
    }
    if (options.score_threshold !== undefined) {
      const floor = options.score_threshold;
      ranked = ranked.filter((r) => (rerankScores?.get(r.point.id)?.score ?? r.fused.score) >= floor);
    }
    ranked = ranked.slice(0, options.limit);

    let hits: Array<{ point: HitPoint; base: Ranked; diffusedFrom?: string }> = ranked.map((r) => ({ point: r.point, base: r }));
    if (post.chunk_diffusion_count > 0) hits = await this.diffuse(hits, post.chunk_diffusion_count);
    const documents = new Map((await this.repository.documentsByIds([...new Set(hits.map((h) => h.point.documentId))])).map((d) => [d.id, d]));
    let result: SearchHit[] = hits
      .filter((h) => documents.has(h.point.documentId))
      .map((h) => {
        const rerank = rerankScores?.get(h.base.point.id);
        return {
          point: h.point,
          document: documents.get(h.point.documentId) as HitDocument,
          score: h.base.fused.score,
          recallPosition: h.base.recallPosition,
          ...(rerank ? { rerankScore: rerank.score, rerankPosition: rerank.rank } : {}),
          signals: h.diffusedFrom
            ? {}
            : {
                ...(h.base.fused.dense ? { dense: h.base.fused.dense } : {}),
                ...(h.base.fused.lexical ? { lexical: h.base.fused.lexical } : {}),
                fused: { rank: h.base.recallPosition, score: h.base.fused.score },
                ...(rerank ? { rerank } : {}),
              },
          ...(h.diffusedFrom ? { diffusedFrom: h.diffusedFrom } : {}),
        };
      });
    if (post.chunk_group) result = groupByDocument(result);
    return { collection, query: options.query, hits: result, embeddingModel, tokenUsage: { embedding: embeddingTokens, rerank: rerankTokens } };
  }

  /**
   * The text to embed for the query: with EMBEDDING_QUERY_INSTRUCTION set, that prefix and the query,
   * unless the request says `pre_processing.need_instruction: false` (chunks never get it).
   */
  private instructed(options: SearchOptions): string {
    const instruction = this.config.embedding.queryInstruction;
    return instruction && options.pre_processing?.need_instruction !== false ? `${instruction}${options.query}` : options.query;
  }

  /**
   * Dense candidates, and the query's embedding tokens: as the embedding model reported them, else
   * counted with o200k (the local embedder, or a query vector served from the cache).
   */
  private async dense(
    collection: CollectionRecord,
    query: string,
    k: number,
    documentIds: number[] | undefined,
  ): Promise<{ candidates: Candidate[]; embeddingTokens: number; embeddingModel: string }> {
    // The state names the model and column together, and the query is embedded with that model, so
    // the query vector always matches the vectors searched, even when a migration switched the
    // collection to another model since it was resolved (then the query is embedded twice).
    const [first, state] = await Promise.all([this.embeddings.service(collection.embeddingModel).embedQuery(query), this.vectorIndexes.state(collection.id)]);
    const embeddingModel = state?.model ?? collection.embeddingModel;
    const embedded = embeddingModel === collection.embeddingModel ? first : await this.embeddings.service(embeddingModel).embedQuery(query);
    const embeddingTokens = embedded.promptTokens ?? countTokens(query);
    if (!state) return { candidates: [], embeddingTokens, embeddingModel };
    const candidates = await this.repository.dense({ state, vector: embedded.vector, k, efSearch: this.config.vectorIndex.efSearch, documentIds });
    return { candidates, embeddingTokens, embeddingModel };
  }

  private async lexical(collection: CollectionRecord, query: string, k: number, documentIds: number[] | undefined): Promise<Candidate[]> {
    const counts = queryTerms(query, collection.lexicalAnalyzer);
    const terms = [...counts.keys()];
    if (terms.length === 0) return [];
    const stats = await this.documentFrequencies.stats(collection.id, terms);
    const { k1, b } = this.config.bm25;
    // Terms no point contains cannot score; dropping them keeps the posting scan to real lists.
    const present = terms.filter((t) => (stats.df.get(t) ?? 0) > 0);
    if (present.length === 0 || stats.docCount <= 0) return [];
    const lexicalQuery = {
      collectionId: collection.id,
      terms: present,
      weights: present.map((t) => (counts.get(t) as number) * idf(stats.docCount, stats.df.get(t) as number) * (k1 + 1)),
      k,
      k1,
      b,
      avgdl: Math.max(1, stats.totalLength / stats.docCount),
      documentIds,
      postings: present.reduce((sum, t) => sum + (stats.df.get(t) as number), 0),
    };
    const headsOf = (long: string[], limit: number) => this.postingHeads.get(lexicalQuery, stats.version, long, limit);
    return prunedLexical(this.repository, headsOf, lexicalQuery, stats.df);
  }

  /**
   * Adds up to `n` chunks either side of each hit (same document, by chunk_id), right after it,
   * skipping chunks already in the result. A neighbour carries its anchor's scores and positions.
   */
  private async diffuse(
    hits: Array<{ point: HitPoint; base: Ranked }>,
    n: number,
  ): Promise<Array<{ point: HitPoint; base: Ranked; diffusedFrom?: string }>> {
    const neighbours = await this.repository.pointsInWindows(hits.map((h) => ({ documentId: h.point.documentId, lo: h.point.chunkId - n, hi: h.point.chunkId + n })));
    const seen = new Set(hits.map((h) => h.point.id));
    const out: Array<{ point: HitPoint; base: Ranked; diffusedFrom?: string }> = [];
    for (const hit of hits) {
      out.push(hit);
      const around = neighbours
        .filter((p) => p.documentId === hit.point.documentId && Math.abs(p.chunkId - hit.point.chunkId) <= n && !seen.has(p.id))
        .sort((a, b) => a.chunkId - b.chunkId);
      for (const p of around) {
        seen.add(p.id);
        out.push({ point: p, base: hit.base, diffusedFrom: hit.point.pointId });
      }
    }
    return out;
  }
}

interface Ranked {
  fused: Fused;
  point: HitPoint;
  recallPosition: number;
}

/** chunk_group: documents in the order of their best hit, each document's chunks in document order. */
export function groupByDocument(hits: SearchHit[]): SearchHit[] {
  const order = new Map<number, number>();
  hits.forEach((h, i) => {
    if (!order.has(h.point.documentId)) order.set(h.point.documentId, i);
  });
  return [...hits].sort(
    (a, b) => (order.get(a.point.documentId) as number) - (order.get(b.point.documentId) as number) || a.point.chunkId - b.point.chunkId,
  );
}
