import { api, errorMessage } from '../api/client';
import type { paths } from '../api/schema';
import { readEventStream } from '../api/sse';
import type { ChunkPosition } from '../shell/position-label';

type KnowledgeChatBody = paths['/api/knowledge/chat/completions']['post']['requestBody']['content']['application/json'];
type KnowledgeChatEvent = paths['/api/knowledge/chat/completions']['post']['responses']['200']['content']['text/event-stream'];
type BotChatBody = paths['/api/v2/bots/{bot_id}/chat']['post']['requestBody']['content']['application/json'];
type BotChatEvent = paths['/api/v2/bots/{bot_id}/chat']['post']['responses']['200']['content']['text/event-stream'];

export type ChatMessage = { role: 'user' | 'assistant'; content: string };

/** A cited passage, with where the console can open it. */
export interface Citation {
  index: number;
  title: string;
  collection: string;
  docId: string;
  pointId: string;
  score: number;
  /** (ext) page, sheet rows or slide of the passage. */
  position?: ChunkPosition;
}

export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  searches?: number;
}

export interface ChatCallbacks {
  onDelta: (text: string) => void;
  onCitations: (citations: Citation[]) => void;
  onUsage: (usage: ChatUsage) => void;
}

async function openStream(result: { data?: unknown; error?: unknown; response: Response }): Promise<ReadableStream<Uint8Array>> {
  if (!result.response.ok || !result.response.body) {
    const body: unknown = await result.response.json().catch(() => result.error);
    throw errorMessage(body ?? result.error, result.response.status);
  }
  return result.response.body;
}

/** Knowledge chat over collections: Viking events `{data: {generated_answer, usage, end, references}}`. */
export async function streamKnowledgeChat(model: string, collections: string[], messages: ChatMessage[], callbacks: ChatCallbacks, signal: AbortSignal) {
  const body: KnowledgeChatBody = { model, messages, stream: true, collections: collections.map((name) => ({ name })) };
  const result = await api.POST('/api/knowledge/chat/completions', { body, parseAs: 'stream', signal });
  await readEventStream(await openStream(result), (raw) => {
    const event = raw as KnowledgeChatEvent;
    if (event.code !== 0) throw errorMessage(event, 500);
    if (event.data.generated_answer) callbacks.onDelta(event.data.generated_answer);
    if (event.data.references) {
      callbacks.onCitations(
        event.data.references.map((r) => ({ index: r.index, title: `${r.doc_name} #${r.chunk_id}`, collection: r.collection_name, docId: r.doc_id, pointId: r.point_id, score: r.score, position: r.position })),
      );
    }
    if (event.data.usage) {
      const usage = JSON.parse(event.data.usage) as { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number } };
      callbacks.onUsage({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, cachedTokens: usage.prompt_tokens_details?.cached_tokens });
    }
  });
}

/** Bot chat: `{choices: [{message: {content, references}}], usage}` fragments, then [DONE]. */
export async function streamBotChat(botId: string, messages: ChatMessage[], callbacks: ChatCallbacks, signal: AbortSignal) {
  const body: BotChatBody = { messages, stream: true };
  const result = await api.POST('/api/v2/bots/{bot_id}/chat', { params: { path: { bot_id: botId } }, body, parseAs: 'stream', signal });
  await readEventStream(await openStream(result), (raw) => {
    if ((raw as { error?: unknown }).error) throw errorMessage(raw, 500);
    const event = raw as BotChatEvent;
    const message = event.choices[0]?.message;
    if (message?.content) callbacks.onDelta(message.content);
    if (message?.references) {
      callbacks.onCitations(
        message.references.map((r, i) => ({
          index: i + 1,
          title: `${r.doc_name} #${r.chunk_id}`,
          collection: r.collection_name,
          docId: r.doc_id,
          // Point ids are <doc_id>-<chunk_id>.
          pointId: `${r.doc_id}-${r.chunk_id}`,
          score: r.score,
          position: r.position,
        })),
      );
    }
    if (event.usage) {
      const model = event.usage.model_usage[0];
      callbacks.onUsage({
        promptTokens: model?.prompt_tokens ?? 0,
        completionTokens: model?.completion_tokens ?? 0,
        searches: event.usage.action_usage.reduce((n, a) => n + a.search_count, 0),
      });
    }
  });
}
