import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import { emitCjkBigrams, scan, type Emit } from './analyzer';

/** How a CJK run becomes lexical terms; each part can be switched on its own (the lexical study sweeps them). */
export interface CjkTermOptions {
  /** Overlapping character bigrams (知识库 -> 知识, 识库), as in the first analyser. */
  bigrams: boolean;
  /**
   * jieba words: none, precise mode (`cut`), precise mode with jieba's HMM guessing words its
   * dictionary lacks (`cut-hmm`), or search mode (`cutForSearch`, also the words inside long words).
   */
  words: 'none' | 'cut' | 'cut-hmm' | 'search';
  /** Single characters, so a one-character query term still finds the texts that use it inside a word. */
  unigrams: boolean;
  /** Drop Chinese function and question words (and those characters as unigrams). */
  stopwords: boolean;
}

/** What a lexical term is: a non-CJK word or number, a CJK bigram, a jieba word, or a single CJK character. */
export type LexicalKind = 'word' | 'number' | 'cjk' | 'cjk-word' | 'cjk-char';

/**
 * Word and character terms get a one-character tag so that they never share a posting list with a
 * bigram (a two-character word would otherwise double that bigram's tf). Both are private-use
 * characters: the analyser never emits them from text.
 */
export const CJK_WORD_TAG = '\ue000';
export const CJK_CHAR_TAG = '\ue001';

/**
 * Chinese function words, pronouns and question words: frequent in lay questions ("怎么办", "是否",
 * "可以吗"), rare in the documents they ask about, so their idf is high and they would pull up any
 * text that happens to use them. Dropped from jieba words and unigrams; bigrams keep them (a bigram
 * spanning a function word and a content word still says something).
 */
export const CHINESE_STOPWORDS: ReadonlySet<string> = new Set([
  '的', '地', '得', '了', '着', '过', '是', '在', '和', '与', '及', '或', '或者', '以及', '并', '而', '且', '等', '之',
  '对', '对于', '为', '被', '把', '将', '由', '从', '向', '于', '以', '其', '该', '此', '也', '都', '就', '还', '又', '再', '已',
  '吗', '呢', '吧', '啊', '呀', '么', '嘛', '哦',
  '我', '你', '您', '他', '她', '它', '我们', '你们', '他们', '她们', '自己', '咱们', '人家',
  '这', '那', '这个', '那个', '这些', '那些', '这样', '那样', '这种', '那种', '哪', '哪里', '哪儿',
  '什么', '怎么', '怎样', '怎么样', '怎么办', '如何', '哪些', '哪个', '为什么', '为何', '是否', '是不是', '有没有', '能否',
  '可以', '能', '能够', '会', '要', '需要', '应该', '请问', '一个', '一些', '没有', '有', '不', '没', '很', '太',
  '如果', '但是', '但', '因为', '所以', '然后', '现在', '已经', '还是', '就是', '只是', '可是', '那么', '还有',
]);

let segmenter: Jieba | undefined;

/** jieba with its bundled dictionary, loaded on first use (~0.3 s): processes that never see Chinese never pay. */
function jieba(): Jieba {
  segmenter ??= Jieba.withDict(dict);
  return segmenter;
}

function cut(text: string, mode: Exclude<CjkTermOptions['words'], 'none'>): string[] {
  if (mode === 'search') return jieba().cutForSearch(text, false);
  return jieba().cut(text, mode === 'cut-hmm');
}

/** Emits jieba's words of the CJK runs, in one call: a call per run costs ~10x more (native call overhead). */
function emitWords(runs: string[], options: CjkTermOptions, emit: Emit): void {
  if (runs.length === 0 || options.words === 'none') return;
  // jieba never joins characters across a space, so one call over the joined runs cuts each run as alone.
  const joined = runs.join(' ');
  const words = cut(joined, options.words);
  for (const word of words) {
    if (word === ' ' || (options.stopwords && CHINESE_STOPWORDS.has(word))) continue;
    emit(CJK_WORD_TAG + word, 'cjk', word);
  }
}

/**
 * Scans `text` with the CJK handling of `options`: bigrams and characters per run as they come,
 * then jieba's words of all the runs at once.
 */
export function scanLexical(text: string, options: CjkTermOptions, emit: Emit): void {
  const runs: string[] = [];
  scan(text, emit, (run, emitRun) => {
    if (options.bigrams) emitCjkBigrams(run, emitRun);
    if (options.words !== 'none') runs.push(run);
    if (options.unigrams) {
      for (const char of run) {
        if (options.stopwords && CHINESE_STOPWORDS.has(char)) continue;
        emitRun(CJK_CHAR_TAG + char, 'cjk', char);
      }
    }
  });
  if (options.words !== 'none') emitWords(runs, options, emit);
}

/** Query-side weights per kind of term; a bigram crossing a jieba word boundary may weigh less than one inside a word. */
export interface QueryTermWeights {
  /** A bigram inside one jieba word (or any bigram when words are off). */
  bigram: number;
  /** A bigram whose two characters jieba puts in different words (如何起诉 -> 何起). */
  crossingBigram: number;
  word: number;
  char: number;
  /**
   * Whether a term the query repeats weighs its kind's weight once per occurrence (`true`, as the
   * first analyser) or once (`false`): a long question that says 利息 three times is not three
   * times as much about interest.
   */
  countRepeats: boolean;
}

export const EQUAL_QUERY_WEIGHTS: QueryTermWeights = { bigram: 1, crossingBigram: 1, word: 1, char: 1, countRepeats: true };

/**
 * A query's terms under `options`, each with its weight: the kind's weight, times its occurrences
 * when `weights.countRepeats` (else the largest weight it occurs with).
 * The terms are those `lexicalTermsWith` gives for the same text; only the weights differ. Lay
 * questions join words that documents never put side by side, so the bigram spanning two of their
 * words is mostly noise with a high idf.
 */
export function lexicalQueryTermsWith(text: string, options: CjkTermOptions, weights: QueryTermWeights): Map<string, number> {
  const out = new Map<string, number>();
  const add = weights.countRepeats
    ? (term: string, weight: number): void => {
        out.set(term, (out.get(term) ?? 0) + weight);
      }
    : (term: string, weight: number): void => {
        out.set(term, Math.max(out.get(term) ?? 0, weight));
      };
  scan(
    text,
    (term) => add(term, 1),
    (run) => {
      const words = options.words !== 'none' || weights.crossingBigram !== weights.bigram ? cut(run, options.words === 'cut-hmm' ? 'cut-hmm' : 'cut') : [];
      if (options.bigrams) {
        // Word boundaries as code-unit offsets; a bigram starting at i crosses one when i + 1 is a boundary.
        const boundaries = new Set<number>();
        let offset = 0;
        for (const word of words) boundaries.add((offset += word.length));
        const chars = Array.from(run);
        if (chars.length === 1) add(run, weights.bigram);
        let at = 0;
        for (let i = 0; i + 1 < chars.length; i++) {
          at += chars[i].length;
          add(chars[i] + chars[i + 1], words.length > 0 && boundaries.has(at) ? weights.crossingBigram : weights.bigram);
        }
      }
      if (options.words !== 'none') {
        const runWords = options.words === 'search' ? cut(run, 'search') : words;
        for (const word of runWords) if (!(options.stopwords && CHINESE_STOPWORDS.has(word))) add(CJK_WORD_TAG + word, weights.word);
      }
      if (options.unigrams) {
        for (const char of run) if (!(options.stopwords && CHINESE_STOPWORDS.has(char))) add(CJK_CHAR_TAG + char, weights.char);
      }
    },
  );
  // A weight of 0 drops that kind of term from the query.
  for (const [term, weight] of out) if (weight === 0) out.delete(term);
  return out;
}

/** The kind of a term from `lexicalTermsWith`, read from its tag. */
export function lexicalKindOf(term: string): LexicalKind {
  const first = term.charCodeAt(0);
  if (first === 0xe000) return 'cjk-word';
  if (first === 0xe001) return 'cjk-char';
  if (first >= 0x2e80) return 'cjk';
  return /^\p{N}+$/u.test(term) ? 'number' : 'word';
}

/** The lexical terms of `text` under `options` (non-CJK text is analysed exactly as by `analyze`). */
export function lexicalTermsWith(text: string, options: CjkTermOptions): string[] {
  const terms: string[] = [];
  scanLexical(text, options, (term) => {
    terms.push(term);
  });
  return terms;
}
