import type { ChatUsage, KnowledgeChatAnswer, KnowledgeChatResult, KnowledgeReference } from '@fjord/chat';
import { promptText } from '@fjord/chat';
import { searchItem } from './search.responses';

/** Knowledge chat results -> Viking wire shapes (api.md section 1, Knowledge chat). */

/** `usage` travels as a JSON-encoded string. */
export function usageString(usage: ChatUsage): string {
  return JSON.stringify({
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  });
}

/** (ext) a reference: one passage the model was given, numbered by its position (1-based). */
export function referenceItem(r: KnowledgeReference, index: number) {
  return {
    index: index + 1,
    point_id: r.pointId,
    doc_id: r.docId,
    doc_name: r.docName,
    doc_type: r.docType,
    chunk_id: r.chunkId,
    chunk_title: r.chunkTitle,
    collection_name: r.collectionName,
    project: r.project,
    title: r.title,
    content: r.content,
    ...(r.position ? { position: r.position } : {}),
    ...(r.url ? { url: r.url } : {}),
    score: r.score,
  };
}

export function chatCompletionData(result: KnowledgeChatResult, retrieved: boolean) {
  return {
    generated_answer: result.answer,
    ...(result.reasoningContent ? { reasoning_content: result.reasoningContent } : {}),
    usage: usageString(result.usage),
    ...(retrieved ? { references: result.references.map(referenceItem) } : {}),
  };
}

/** A streamed fragment's `data`. */
export function deltaData(content: string) {
  return { generated_answer: content, usage: '' };
}

/** The last streamed fragment's `data`: usage, `end: true` and (ext) the references. */
export function endData(result: KnowledgeChatResult, retrieved: boolean) {
  return { generated_answer: '', usage: usageString(result.usage), end: true, ...(retrieved ? { references: result.references.map(referenceItem) } : {}) };
}

export function searchAndGenerateData(answer: KnowledgeChatAnswer) {
  const retrieval = answer.prepared.retrieval;
  return {
    collection_name: retrieval?.collectionNames[0] ?? '',
    count: retrieval?.passages.length ?? 0,
    generated_answer: answer.result.answer,
    prompt: promptText(answer.prepared.request.messages),
    usage: usageString(answer.result.usage),
    result_list: (retrieval?.passages ?? []).map((p) => searchItem(p.hit, false)),
  };
}
