import type { ChatMessage } from '@fjord/llm';
import { positionLabel } from '@fjord/knowledge/points/point-position';
import type { KnowledgeReference } from './knowledge-chat.types';

export const DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant that answers questions about the knowledge base.';

/**
 * The citation rules the model gets. They sit before the passages: the local extractive model
 * attributes every line after a `[k]` marker to passage k.
 */
export function citationInstructions(count: number): string {
  if (count === 0) {
    return 'No passage of the knowledge base matched this question. Say that the knowledge base does not cover it; do not cite anything.';
  }
  return [
    `Answer from the ${count} numbered passages below, in the language of the question.`,
    `Cite each passage you use by its number in square brackets, e.g. [1] or [1][2]; only numbers 1 to ${count} exist.`,
    'If the passages do not contain the answer, say so instead of guessing.',
  ].join('\n');
}

/** A passage line must not look like another passage's marker (`[3] ...` inside chunk text). */
function neutralise(content: string): string {
  return content.replace(/^(\s*)\[(\d{1,6})\]/gmu, '$1($2)');
}

/**
 * The cached prompt prefix: one system message with the system prompt (the bot's or the default,
 * then the request's own system messages), the citation rules and the numbered passages.
 */
export function buildPrefix(systemPrompt: string | undefined, requestSystem: string[], passages: KnowledgeReference[]): ChatMessage[] {
  const system = [systemPrompt?.trim() || DEFAULT_SYSTEM_PROMPT, ...requestSystem.map((s) => s.trim()).filter(Boolean)].join('\n\n');
  // A passage with a position is labelled with it, so an answer can say where it stands ("p. 12").
  const numbered = passages.map((p, i) => {
    const label = positionLabel(p.position);
    return `[${i + 1}] ${label ? `(${p.docName}, ${label}) ` : ''}${neutralise(p.content.trim())}`;
  });
  const content = [system, citationInstructions(passages.length), ...(numbered.length ? ['Passages:', ...numbered] : [])].join('\n\n');
  return [{ role: 'system', content }];
}

/** The prompt as one readable text (search_and_generate's `prompt`). */
export function promptText(messages: ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join('\n\n');
}
