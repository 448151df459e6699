import type { PointPosition } from '@fjord/knowledge/points/point-position';
import type { CollectionRefInput } from '@fjord/knowledge';
import type { ChatLogprobs } from '@fjord/llm';

/**
 * Contract of the knowledge-chat core (issue 5). Used by Viking knowledge chat
 * (`/api/knowledge/chat/completions`, `collection/search_and_generate`) and by bots.
 */

export interface ChatTurn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface RetrievalSpec {
  collections: CollectionRefInput[];
  limit?: number;
  denseWeight?: number;
  queryParam?: unknown;
  postProcessing?: unknown;
}

export interface ChatParameters {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  logprobs?: boolean;
  topLogprobs?: number;
  logitBias?: Record<string, number>;
  stop?: string[];
  thinking?: { type: 'enabled' | 'disabled' | 'auto' };
}

export interface KnowledgeChatRequest {
  model?: string;
  messages: ChatTurn[];
  systemPrompt?: string;
  retrieval?: RetrievalSpec;
  parameters?: ChatParameters;
}

export interface KnowledgeReference {
  pointId: string;
  docId: string;
  docName: string;
  docType: string;
  chunkId: number;
  chunkTitle: string;
  collectionName: string;
  project: string;
  title: string;
  content: string;
  /** (ext) page, sheet rows or slide of the passage in its document. */
  position?: PointPosition;
  url?: string;
  score: number;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

export interface SearchUsage {
  searchCount: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface KnowledgeChatResult {
  model: string;
  answer: string;
  reasoningContent?: string;
  finishReason: string;
  logprobs?: ChatLogprobs;
  references: KnowledgeReference[];
  usage: ChatUsage;
  search: SearchUsage;
  /** The (rewritten) retrieval query, when retrieval ran. */
  query?: string;
}

export type KnowledgeChatEvent =
  | { type: 'references'; references: KnowledgeReference[] }
  | { type: 'delta'; content: string }
  | { type: 'done'; result: KnowledgeChatResult };

/** What `KnowledgeChatService` (exported by `ChatModule`) offers. */
export interface KnowledgeChat {
  answer(req: KnowledgeChatRequest, signal?: AbortSignal): Promise<KnowledgeChatResult>;
  stream(req: KnowledgeChatRequest, signal?: AbortSignal): AsyncIterable<KnowledgeChatEvent>;
}
