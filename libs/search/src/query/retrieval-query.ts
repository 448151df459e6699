import type { SearchKnowledgeInput } from '../schemas/search.schema';

/** One conversation turn as far as query rewriting cares: only user turns are read. */
export interface QueryTurn {
  role: string;
  content: string;
}

/** search_knowledge takes at most 8000 characters of query. */
export const MAX_QUERY_CHARS = 8000;

const PRONOUN = /\b(it|its|it's|this|that|these|those|they|them|their|theirs|he|him|his|she|her|hers|one|ones|there|then|same|also|else|more|other)\b/iu;
const FOLLOW_UP_START = /^\s*(and|but|so|also|what about|how about|why|why not|then|or)\b/iu;
const ZH_REFERENCE = /[它他她其该此这那]|那么|还有|呢[？?]?\s*$|吗[？?]?\s*$/u;
const SHORT_LATIN_WORDS = 5;
const SHORT_HAN_CHARS = 8;

function isShort(text: string): boolean {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  if (han > 0) return han <= SHORT_HAN_CHARS;
  return (text.match(/[\p{L}\p{N}]+/gu)?.length ?? 0) <= SHORT_LATIN_WORDS;
}

/** A question that leans on earlier turns: short, opening with "and/what about", or using pronouns. */
export function isFollowUp(question: string): boolean {
  return isShort(question) || FOLLOW_UP_START.test(question) || PRONOUN.test(question) || ZH_REFERENCE.test(question);
}

/**
 * The retrieval query for a conversation: the last user message, or, when it is a follow-up to
 * earlier user turns, that message rewritten from the conversation: the latest earlier user
 * question that is not itself a follow-up (it names what "it" is; chains of follow-ups keep
 * pointing at it), then the follow-up. Deterministic, so the same conversation always retrieves
 * the same passages (and so reuses the same cached prompt prefix).
 */
export function retrievalQuery(messages: QueryTurn[]): { query: string; rewritten: boolean } {
  const users = messages.filter((m) => m.role === 'user').map((m) => m.content.trim());
  const last = users.at(-1) ?? '';
  const earlier = users.slice(0, -1).filter((u) => u.length > 0);
  if (earlier.length === 0 || !isFollowUp(last)) return { query: last.slice(0, MAX_QUERY_CHARS), rewritten: false };
  const anchor = [...earlier].reverse().find((u) => !isFollowUp(u)) ?? earlier.join(' ');
  const query = `${anchor} ${last}`;
  return { query: query.length > MAX_QUERY_CHARS ? query.slice(query.length - MAX_QUERY_CHARS) : query, rewritten: true };
}

/**
 * The query to search: as given, or with `pre_processing.rewrite` a follow-up ("and how deep is
 * it?") rewritten from the conversation in `messages`, the same deterministic rewrite knowledge chat
 * uses (no model call, so the same conversation always searches the same words).
 */
export function searchedQuery(input: Pick<SearchKnowledgeInput, 'query' | 'pre_processing'>): string {
  const pre = input.pre_processing;
  if (!pre?.rewrite || !pre.messages?.length) return input.query;
  const turns = pre.messages.map((m) => ({ role: m.role, content: messageText(m.content) }));
  // The Viking SDK's convention is that messages end with the query itself: count it once.
  const last = turns.at(-1);
  if (last?.role === 'user' && last.content.trim() === input.query.trim()) turns.pop();
  return retrievalQuery([...turns, { role: 'user', content: input.query }]).query;
}

/** A message's text: a string, or the text parts of an OpenAI-style content array. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) => (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
    .filter(Boolean)
    .join(' ');
}
