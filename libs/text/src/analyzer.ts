/**
 * The lexical analyser: one function turns text into the terms BM25 indexes and queries with,
 * so index time and query time can never drift apart.
 *
 * - NFKC (full-width letters, digits and punctuation become their ASCII forms), then lower case.
 * - Runs of letters/digits in any non-CJK script are words: accents on Latin letters are folded
 *   (café -> cafe), a possessive 's is dropped and inner apostrophes are removed (don't -> dont),
 *   English stopwords are dropped, ASCII words are Porter2-stemmed (running -> run), numbers are
 *   kept as they are.
 * - Runs of Han, kana and hangul become overlapping character bigrams (知识库 -> 知识, 识库); a
 *   run of one character is kept as that character. Measured with BM25 on CMRC 2018 (trial,
 *   1,002 questions): bigrams 0.985 nDCG@10; bigrams + jieba cutForSearch words 0.988 (10 queries
 *   better, 6 worse: noise) at less than half the speed, so jieba is not used.
 * - Index time and query time are the same function: there is no analyzeForIndex/ForQuery.
 */
export type TokenKind = 'word' | 'number' | 'cjk';

export interface Token {
  /** What BM25 indexes: the stemmed word, the number, or the CJK bigram (or lone character). */
  term: string;
  kind: TokenKind;
  /** The normalised text before stemming (for words), so callers can take character n-grams. */
  surface: string;
}

/** A short English list: function words only, so content words such as "not" or "use" still count. */
export const ENGLISH_STOPWORDS: ReadonlySet<string> = new Set([
  'a', 'about', 'above', 'after', 'again', 'against', 'all', 'am', 'an', 'and', 'any', 'are', 'as', 'at',
  'be', 'because', 'been', 'before', 'being', 'below', 'between', 'both', 'but', 'by',
  'can', 'could', 'did', 'do', 'does', 'doing', 'down', 'during', 'each', 'few', 'for', 'from', 'further',
  'had', 'has', 'have', 'having', 'he', 'her', 'here', 'hers', 'herself', 'him', 'himself', 'his', 'how',
  'i', 'if', 'in', 'into', 'is', 'it', 'its', 'itself', 'just', 'me', 'more', 'most', 'my', 'myself',
  'nor', 'of', 'off', 'on', 'once', 'only', 'or', 'other', 'our', 'ours', 'ourselves', 'out', 'over', 'own',
  'same', 'she', 'should', 'so', 'some', 'such', 'than', 'that', 'the', 'their', 'theirs', 'them',
  'themselves', 'then', 'there', 'these', 'they', 'this', 'those', 'through', 'to', 'too', 'under', 'until',
  'up', 'very', 'was', 'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'whom', 'why',
  'will', 'with', 'would', 'you', 'your', 'yours', 'yourself', 'yourselves',
]);

// wink-porter2-stemmer ships no type declarations; its whole API is this one function.
const porter2 = require('wink-porter2-stemmer') as (word: string) => string;

/**
 * ASCII word -> its term, '' for a stopword. Porter2 costs ~4 µs a word and a corpus has few
 * distinct words, so this memo makes analysis several times faster. Bounded; refilled on demand.
 */
const MAX_CACHED_WORDS = 100_000;
const asciiTerms = new Map<string, string>();

/**
 * Porter2's suffix rules are regular expressions whose cost grows with the square of a word's length
 * (a 130,000-letter run took 100 s); no English word needs stemming past this length, so longer
 * runs (hashes, base64, hostile input) are kept as they are.
 */
const MAX_STEMMED_WORD_LENGTH = 48;

function asciiWordTerm(word: string): string {
  if (word.length > MAX_STEMMED_WORD_LENGTH) return word;
  let term = asciiTerms.get(word);
  if (term === undefined) {
    term = ENGLISH_STOPWORDS.has(word) ? '' : porter2(word);
    if (asciiTerms.size >= MAX_CACHED_WORDS) asciiTerms.clear();
    asciiTerms.set(word, term);
  }
  return term;
}

// A run of letters, marks and digits, with inner apostrophes (don't, children's). Sticky: the
// scanner only falls back to it at a non-ASCII character or an apostrophe.
const RUN_RE = /[\p{L}\p{M}\p{N}]+(?:['\u2019][\p{L}\p{M}\p{N}]+)*/uy;
const CJK_CLASS = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}\\u30fc';
const CJK_SPLIT_RE = new RegExp(`([${CJK_CLASS}]+)|([^${CJK_CLASS}]+)`, 'gu');
const CJK_CHAR_RE = new RegExp(`[${CJK_CLASS}]`, 'u');
const CJK_GLOBAL_RE = new RegExp(`[${CJK_CLASS}]`, 'gu');
const LETTER_GLOBAL_RE = /\p{L}/gu;
const LATIN_MARKS_RE = /(\p{sc=Latin})\p{M}+/gu;
const APOSTROPHE_RE = /['\u2019]/g;
const POSSESSIVE_RE = /['\u2019]s$/;
const LETTER_OR_DIGIT_RE = /[\p{L}\p{N}]/u;
const LEADING_MARKS_RE = /^\p{M}+/u;
const DIGITS_RE = /^\p{N}+$/u;
const ASCII_LETTERS_RE = /^[a-z]+$/;
/** Everything below U+2E80 (CJK Radicals Supplement) is certainly not CJK: the fast path. */
const FIRST_CJK_CODE = 0x2e80;

export type Emit = (term: string, kind: TokenKind, surface: string) => void;
/** Turns one run of CJK characters into tokens: bigrams in `analyze`, other schemes in lexical-analyzer. */
export type CjkRunEmitter = (run: string, emit: Emit) => void;

function hasCjk(run: string): boolean {
  for (let i = 0; i < run.length; i++) {
    if (run.charCodeAt(i) >= FIRST_CJK_CODE) return CJK_CHAR_RE.test(run);
  }
  return false;
}

/** Overlapping character bigrams of a CJK run (a run of one character is that character). */
export function emitCjkBigrams(run: string, emit: Emit): void {
  // Code points, not UTF-16 units: Han extension B and later sit outside the BMP.
  const chars = run.length === 1 || !/[\ud800-\udbff]/.test(run) ? null : Array.from(run);
  const length = chars ? chars.length : run.length;
  if (length === 1) {
    emit(run, 'cjk', run);
    return;
  }
  for (let i = 0; i + 1 < length; i++) {
    const bigram = chars ? chars[i] + chars[i + 1] : run.slice(i, i + 2);
    emit(bigram, 'cjk', bigram);
  }
}

function emitAsciiLetters(word: string, emit: Emit): void {
  const term = asciiWordTerm(word);
  if (term !== '') emit(term, 'word', word);
}

/** A run from the slow path: may hold apostrophes, accents, other scripts. */
function emitWord(raw: string, emit: Emit): void {
  let word = raw;
  if (word.includes("'") || word.includes('\u2019')) {
    word = word.replace(POSSESSIVE_RE, '').replace(APOSTROPHE_RE, '');
  }
  if (!LETTER_OR_DIGIT_RE.test(word)) return;
  if (DIGITS_RE.test(word)) return emit(word, 'number', word);
  if (ASCII_LETTERS_RE.test(word)) return emitAsciiLetters(word, emit);
  // Fold accents on Latin letters only: in Cyrillic a mark can make a different letter (й).
  const decomposed = word.normalize('NFD');
  const folded = decomposed.replace(LATIN_MARKS_RE, '$1');
  if (folded !== decomposed) {
    word = folded.normalize('NFC');
    if (ASCII_LETTERS_RE.test(word)) return emitAsciiLetters(word, emit);
  }
  emit(word, 'word', word);
}

function emitRun(run: string, emit: Emit, emitCjk: CjkRunEmitter): void {
  if (!hasCjk(run)) return emitWord(run, emit);
  CJK_SPLIT_RE.lastIndex = 0;
  for (let part = CJK_SPLIT_RE.exec(run); part !== null; part = CJK_SPLIT_RE.exec(run)) {
    if (part[1] !== undefined) {
      emitCjk(part[1], emit);
    } else {
      // A non-CJK piece of a mixed run ("gpt4模型" -> "gpt4"); it may still carry apostrophes.
      for (const piece of part[2].split(APOSTROPHE_RE)) {
        emitWord(piece.replace(LEADING_MARKS_RE, ''), emit);
      }
    }
  }
}

const ASCII_LETTER = 1;
const ASCII_DIGIT = 2;

/** ASCII_LETTER for a-z, ASCII_DIGIT for 0-9, 0 otherwise (the text is already lower case). */
function asciiClass(code: number): number {
  if (code >= 97 && code <= 122) return ASCII_LETTER;
  if (code >= 48 && code <= 57) return ASCII_DIGIT;
  return 0;
}

/** Normalises `text` and emits its tokens in order; CJK runs go to `emitCjk`. */
export function scan(text: string, emit: Emit, emitCjk: CjkRunEmitter = emitCjkBigrams): void {
  if (text.length === 0) return;
  const s = text.normalize('NFKC').toLowerCase();
  const n = s.length;
  let i = 0;
  while (i < n) {
    const code = s.charCodeAt(i);
    if (code < 128) {
      const first = asciiClass(code);
      if (first === 0) {
        i++;
        continue;
      }
      // Fast path: a run of ASCII letters and digits ended by ASCII punctuation or space.
      let seen = first;
      let j = i + 1;
      for (; j < n; j++) {
        const kind = asciiClass(s.charCodeAt(j));
        if (kind === 0) break;
        seen |= kind;
      }
      const next = j < n ? s.charCodeAt(j) : 32;
      if (next < 128 && next !== 39) {
        const word = s.slice(i, j);
        if (seen === ASCII_LETTER) emitAsciiLetters(word, emit);
        else emit(word, seen === ASCII_DIGIT ? 'number' : 'word', word);
        i = j;
        continue;
      }
    }
    // Slow path: non-ASCII, or a word running into an apostrophe or a non-ASCII character.
    RUN_RE.lastIndex = i;
    const match = RUN_RE.exec(s);
    if (match === null) {
      i++;
      continue;
    }
    emitRun(match[0], emit, emitCjk);
    i += match[0].length;
  }
}

/**
 * The terms of `text`, in order, with repeats: the single analyser for BM25 at index and query time.
 * Deterministic and pure.
 */
export function analyze(text: string): string[] {
  const terms: string[] = [];
  scan(text, (term) => {
    terms.push(term);
  });
  return terms;
}

/** Like `analyze`, with each term's kind and pre-stemming surface form (for n-gram features). */
export function analyzeTokens(text: string): Token[] {
  const tokens: Token[] = [];
  scan(text, (term, kind, surface) => {
    tokens.push({ term, kind, surface });
  });
  return tokens;
}

/** `analyzeTokens` without the allocations: calls `visit` for each token, in order. */
export function forEachToken(text: string, visit: (term: string, kind: TokenKind, surface: string) => void): void {
  scan(text, visit);
}

export type Script = 'cjk' | 'latin' | 'mixed';

/**
 * Which writing system dominates, by approximate token share: a CJK character (Han, kana, hangul)
 * counts as one token, four letters of any other script as one (as with the o200k tokenizer). A
 * CJK share of at least 80% -> 'cjk', at most 20% -> 'latin' (also for text without letters),
 * otherwise 'mixed'. So a Chinese paragraph naming "API" once is still 'cjk'.
 */
export function detectScript(text: string): Script {
  const normalized = text.normalize('NFKC');
  const cjk = normalized.match(CJK_GLOBAL_RE)?.length ?? 0;
  if (cjk === 0) return 'latin';
  const letters = normalized.match(LETTER_GLOBAL_RE)?.length ?? 0;
  const otherTokens = Math.max(0, letters - cjk) / 4;
  const share = cjk / (cjk + otherTokens);
  if (share >= 0.8) return 'cjk';
  if (share <= 0.2) return 'latin';
  return 'mixed';
}
