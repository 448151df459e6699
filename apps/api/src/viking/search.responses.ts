import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import type { SearchHit, SearchResult } from '@fjord/search';
import { pointDocInfo } from './viking.responses';

/** Search results -> Viking wire shapes (api.md section 1, Search). */

/** (ext) debug: each signal's 1-based rank and raw score; null when the point was not in that list. */
function hitDebug(h: SearchHit) {
  const signal = (s: { rank: number; score: number } | undefined) => (s ? { rank: s.rank, score: s.score } : null);
  return {
    dense: signal(h.signals.dense),
    lexical: signal(h.signals.lexical),
    fused: signal(h.signals.fused),
    rerank: signal(h.signals.rerank),
    ...(h.diffusedFrom ? { diffused_from: h.diffusedFrom } : {}),
  };
}

export function searchItem(h: SearchHit, debug: boolean) {
  return {
    id: h.point.pointId,
    point_id: h.point.pointId,
    content: h.point.content,
    score: h.score,
    ...(h.rerankScore !== undefined ? { rerank_score: h.rerankScore } : {}),
    chunk_id: h.point.chunkId,
    chunk_title: h.point.chunkTitle,
    chunk_type: h.point.chunkType,
    ...(h.point.position ? { position: h.point.position } : {}),
    process_time: h.point.createdAt.getTime(),
    recall_position: h.recallPosition,
    ...(h.rerankPosition !== undefined ? { rerank_position: h.rerankPosition } : {}),
    doc_info: pointDocInfo(h.document),
    ...(debug ? { debug: hitDebug(h) } : {}),
  };
}

export function searchResponse(result: SearchResult, request: { debug: boolean; pre_processing?: { return_token_usage?: boolean } }) {
  const usage = result.tokenUsage;
  return {
    collection_name: result.collection.name,
    count: result.hits.length,
    // The query searched: the one given, or its rewrite from pre_processing.messages (rewrite: true).
    rewrite_query: result.query,
    // (ext) which embedder served this collection's dense side (the one whose vectors were searched,
    // also while the collection migrates to another model), and whether it can match meaning: the
    // local hashing embedder (`fjord-local-hash-v1`) matches words, not meaning.
    embedding_model: result.embeddingModel,
    embedding_matches: result.embeddingModel === LOCAL_EMBEDDING_MODEL ? ('words' as const) : ('meaning' as const),
    token_usage: request.pre_processing?.return_token_usage
      ? {
          embedding_token_usage: { prompt_tokens: usage.embedding, completion_tokens: 0, total_tokens: usage.embedding },
          rerank_token_usage: usage.rerank,
        }
      : null,
    result_list: result.hits.map((h) => searchItem(h, request.debug)),
  };
}

export function rerankResponse(result: { scores: number[]; tokenUsage: number }) {
  return { scores: result.scores, token_usage: result.tokenUsage };
}
