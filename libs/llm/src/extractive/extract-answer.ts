import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import { analyze } from '@fjord/text';
import type { ChatMessage } from '../chat-model';
import { segmentSentences } from './segment';

export const NO_ANSWER_TEXT = 'The documents do not answer this question.';
export const NO_ANSWER_TEXT_ZH = '文档中没有能回答这个问题的内容。';

/** Sentences quoted at most. */
const MAX_SENTENCES = 3;
/**
 * Share of the question's weight (idf-weighted terms) one passage must contain before anything is
 * quoted: below it, the passages are about something else ("capital of France" against a man page).
 */
export const MIN_PASSAGE_COVERAGE = 0.55;
/** A quoted sentence must carry at least this share of the question's weight itself. */
const MIN_SENTENCE_COVERAGE = 0.25;
/** ... and at least this share of the best sentence's score. */
const RELATIVE_TO_BEST = 0.5;

const PASSAGE_MARKER = /^\s*\[(\d{1,4})\]\s?/;
const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
/** Question words and particles that say what is asked, not what it is about. */
const CHINESE_QUESTION_WORDS = new Set(
  '怎么 怎样 怎么样 如何 什么 为什么 为何 哪些 哪个 哪里 哪儿 多少 多久 多长时间 几 是否 吗 呢 吧 啊 的 地 得 了 是 在 有 和 与 及 请问 请 一下 我 我们 你 您 要 能 可以 会 这 那 这个 那个'.split(' '),
);

/** English words that say how something is asked about ("how often"), not what. */
const ENGLISH_QUESTION_WORDS = new Set(['often', 'much', 'mani', 'kind', 'way', 'exact', 'tell', 'pleas', 'know']);
/** Terms of the question itself weigh this much more than those a follow-up's rewrite added. */
const ASKED_TERM_BOOST = 2;

let jieba: Jieba | undefined;
/** The dictionary takes about a second to load: only when a question has Chinese in it. */
function chineseWords(text: string): string[] {
  jieba ??= Jieba.withDict(dict);
  return jieba.cut(text, false).filter((w) => HAN.test(w) && !CHINESE_QUESTION_WORDS.has(w));
}

interface Candidate {
  text: string;
  /** The whole passage's terms, headings included: a heading names what its sentences are about. */
  context: Set<string>;
  contextText: string;
  /** Numbers of the `[n]` passages the sentence appears in (one, or more for a repeated sentence). */
  passages: string[];
  /** The first passage, for coverage and order. */
  passage: string;
  terms: Set<string>;
  order: number;
}

interface QueryTerm {
  term: string;
  matches: (candidate: Candidate) => boolean;
  /** Whether the passage around the candidate contains the term. */
  inContext: (candidate: Candidate) => boolean;
}

/** What the question is about: English (and other Latin-script) stems, Chinese dictionary words. */
export function questionTerms(question: string): QueryTerm[] {
  const terms = new Map<string, QueryTerm>();
  for (const stem of analyze(question.replace(HAN_RUN, ' '))) {
    if (!terms.has(stem) && !ENGLISH_QUESTION_WORDS.has(stem)) terms.set(stem, { term: stem, matches: (c) => c.terms.has(stem), inContext: (c) => c.context.has(stem) });
  }
  for (const run of question.match(HAN_RUN) ?? []) {
    for (const word of chineseWords(run)) {
      if (!terms.has(word)) terms.set(word, { term: word, matches: (c) => c.text.includes(word), inContext: (c) => c.contextText.includes(word) });
    }
  }
  return [...terms.values()];
}

/** `[n]` passages when the messages number them (knowledge chat); otherwise each message's text. */
function sourceBlocks(sources: ChatMessage[]): Array<{ passage?: string; text: string }> {
  const passages: Array<{ passage: string; lines: string[] }> = [];
  const loose: string[] = [];
  for (const message of sources) {
    let current: { passage: string; lines: string[] } | undefined;
    for (const line of message.content.split('\n')) {
      const marker = PASSAGE_MARKER.exec(line);
      if (marker) {
        current = { passage: marker[1], lines: [line.slice(marker[0].length)] };
        passages.push(current);
      } else if (current) current.lines.push(line);
      else loose.push(line);
    }
    loose.push('');
  }
  if (passages.length > 0) return passages.map((p) => ({ passage: p.passage, text: p.lines.join('\n') }));
  return [{ text: loose.join('\n') }];
}

function candidatesOf(sources: ChatMessage[]): Candidate[] {
  const byText = new Map<string, Candidate>();
  const candidates: Candidate[] = [];
  for (const block of sourceBlocks(sources)) {
    const context = new Set(analyze(block.text));
    for (const text of segmentSentences(block.text)) {
      const key = text.toLowerCase().replace(/\s+/g, ' ');
      const seen = byText.get(key);
      if (seen) {
        // The same sentence in two passages is quoted once and cites both.
        if (block.passage && !seen.passages.includes(block.passage)) seen.passages.push(block.passage);
        continue;
      }
      const candidate: Candidate = { text, context, contextText: block.text, passages: block.passage ? [block.passage] : [], passage: block.passage ?? '', terms: new Set(analyze(text)), order: candidates.length };
      byText.set(key, candidate);
      candidates.push(candidate);
    }
  }
  return candidates;
}

function noAnswer(question: string): string {
  return HAN.test(question) ? NO_ANSWER_TEXT_ZH : NO_ANSWER_TEXT;
}

function cite(candidate: Candidate): string {
  if (candidate.passages.length === 0) return candidate.text;
  const markers = candidate.passages.map((p) => `[${p}]`).join('');
  return HAN.test(candidate.text.slice(-1)) || /[。！？；]$/u.test(candidate.text) ? `${candidate.text}${markers}` : `${candidate.text} ${markers}`;
}

/**
 * The extractive answer to `question` (the last user message, or the query retrieval searched for a
 * follow-up): up to three sentences of the given passages that carry most of the question's weight,
 * each once, with its `[n]` citations, in passage order. When no passage contains enough of what the
 * question is about, a plain "the documents do not answer this", in the question's language.
 */
export function extractAnswer(messages: ChatMessage[], focus?: string): string {
  let questionIndex = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') {
      questionIndex = i;
      break;
    }
  }
  const asked = questionIndex >= 0 ? messages[questionIndex].content : '';
  const question = focus?.trim() || asked;
  if (!question) return NO_ANSWER_TEXT;
  // Quote what the model was given (context, earlier user turns), never its own replies.
  const sources = messages.filter((m, i) => i !== questionIndex && m.role !== 'assistant');
  const candidates = candidatesOf(sources);
  const terms = questionTerms(question);
  if (terms.length === 0 || candidates.length === 0) return noAnswer(asked || question);

  const n = candidates.length;
  const askedTerms = new Set(questionTerms(asked).map((t) => t.term));
  const weight = new Map<string, number>();
  for (const t of terms) {
    const df = candidates.filter((c) => t.matches(c)).length;
    const boost = focus && askedTerms.has(t.term) ? ASKED_TERM_BOOST : 1;
    weight.set(t.term, boost * Math.log(1 + n / Math.max(1, df)));
  }
  const total = [...weight.values()].reduce((a, b) => a + b, 0);
  const coverage = (c: Candidate, within: 'sentence' | 'passage') =>
    terms.reduce((sum, t) => sum + ((within === 'sentence' ? t.matches(c) : t.inContext(c)) ? (weight.get(t.term) ?? 0) : 0), 0) / total;

  const passageCoverage = new Map<string, number>();
  for (const c of candidates) if (!passageCoverage.has(c.passage)) passageCoverage.set(c.passage, coverage(c, 'passage'));
  const bestPassage = Math.max(...passageCoverage.values());
  if (bestPassage < MIN_PASSAGE_COVERAGE) return noAnswer(asked || question);

  const scored = candidates
    .map((c) => {
      const own = coverage(c, 'sentence');
      // A sentence of a passage that covers the question reads better than a stray match elsewhere.
      return { c, own, score: own + 0.3 * (passageCoverage.get(c.passage) ?? 0) };
    })
    .filter((s) => s.own >= MIN_SENTENCE_COVERAGE)
    .sort((a, b) => b.score - a.score || a.c.text.length - b.c.text.length || a.c.order - b.c.order);
  if (scored.length === 0) return noAnswer(asked || question);
  const best = scored[0].score;
  return scored
    // Only from passages nearly as much about the question as the best one.
    .filter((s) => s.score >= best * RELATIVE_TO_BEST && (passageCoverage.get(s.c.passage) ?? 0) >= bestPassage * 0.75)
    .slice(0, MAX_SENTENCES)
    .map((s) => s.c)
    .sort((a, b) => a.order - b.order)
    .map(cite)
    .join(HAN.test(question) ? '' : ' ');
}
