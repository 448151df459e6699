import { analyze } from './analyzer';
import { CJK_CHAR_TAG, CJK_WORD_TAG, EQUAL_QUERY_WEIGHTS, lexicalKindOf, lexicalQueryTermsWith, lexicalTermsWith } from './cjk-terms';
import { LATEST_LEXICAL_ANALYZER, isLexicalAnalyzerVersion, lexicalQueryTerms, lexicalTerms } from './lexical-analyzer';

const word = (w: string) => CJK_WORD_TAG + w;
const char = (c: string) => CJK_CHAR_TAG + c;

describe('lexical analysers by version', () => {
  it('version 1 is the bigram analyser, unchanged', () => {
    expect(lexicalTerms('起诉已注销的个体工商户 running', 1)).toEqual(analyze('起诉已注销的个体工商户 running'));
    expect([...lexicalQueryTerms('个体工商户', 1)]).toEqual([
      ['个体', 1],
      ['体工', 1],
      ['工商', 1],
      ['商户', 1],
    ]);
  });

  it('version 2 adds tagged jieba words to the bigrams and drops Chinese function words', () => {
    const terms = lexicalTerms('如何起诉已注销的个体工商户', 2);
    // Every bigram of version 1 is still there, so nothing version 1 matched is lost.
    for (const bigram of analyze('如何起诉已注销的个体工商户')) expect(terms).toContain(bigram);
    expect(terms).toEqual(expect.arrayContaining([word('起诉'), word('注销'), word('个体'), word('工商户')]));
    // 如何 and 的 are function words: no word term, though their bigrams stay.
    expect(terms).not.toContain(word('如何'));
    expect(terms).not.toContain(word('的'));
    expect(terms).toContain('如何');
  });

  it('counts a term the query repeats once under version 2, once per occurrence under version 1', () => {
    const query = '利息的利息超过利息上限 interest interest';
    const v2 = lexicalQueryTerms(query, 2);
    expect(v2.get(word('利息'))).toBe(1);
    expect(v2.get('利息')).toBe(1);
    expect(v2.get(char('利'))).toBe(1);
    expect(v2.get('interest')).toBe(1);
    const v1 = lexicalQueryTerms(query, 1);
    expect(v1.get('利息')).toBe(3);
    expect(v1.get('interest')).toBe(2);
    // Still exactly the terms the same text gets when indexed.
    expect(new Set(v2.keys())).toEqual(new Set(lexicalTerms(query, 2)));
  });

  it('gives text without CJK characters the same terms under every version', () => {
    const text = "The runners' café reopened in 2024 (COVID-19)";
    expect(lexicalTerms(text, 2)).toEqual(lexicalTerms(text, 1));
    expect(lexicalQueryTerms(text, 2)).toEqual(lexicalQueryTerms(text, 1));
  });

  it('analyses mixed text: Latin words stemmed, CJK runs cut, in any order of scripts', () => {
    const terms = lexicalTerms('GPT4模型 running 知识库', 2);
    expect(terms).toEqual(expect.arrayContaining(['gpt4', '模型', 'run', '知识', '识库', word('模型'), word('知识库')]));
  });

  it('lets a one-character query match inside words', () => {
    expect(lexicalTerms('依法纳税', 2)).toContain(char('税'));
    expect(lexicalQueryTerms('税', 2).get(char('税'))).toBe(1);
    expect(lexicalQueryTerms('个体工商户', 2).get('工商')).toBe(1);
  });

  it('analyses a query exactly as a document: every query term is a term of the same text indexed', () => {
    const query = '平台经济从业者注册为个体工商户，那还存在劳动关系吗？';
    const indexed = new Set(lexicalTerms(query, LATEST_LEXICAL_ANALYZER));
    for (const term of lexicalQueryTerms(query, LATEST_LEXICAL_ANALYZER).keys()) expect(indexed).toContain(term);
  });

  it('knows its versions', () => {
    expect([1, 2].every(isLexicalAnalyzerVersion)).toBe(true);
    expect(isLexicalAnalyzerVersion(3)).toBe(false);
    expect(isLexicalAnalyzerVersion(LATEST_LEXICAL_ANALYZER)).toBe(true);
  });
});

describe('CJK term options (the lexical study sweeps them)', () => {
  const all = { bigrams: true, words: 'cut', unigrams: true, stopwords: true } as const;

  it('tags words and characters so they never share a posting list with a bigram', () => {
    const terms = lexicalTermsWith('劳动合同', all);
    expect(terms).toEqual(expect.arrayContaining(['劳动', '动合', '合同', word('劳动合同'), char('劳'), char('同')]));
    expect(terms.map(lexicalKindOf)).toEqual(expect.arrayContaining(['cjk', 'cjk-word', 'cjk-char']));
    expect(lexicalKindOf('run')).toBe('word');
    expect(lexicalKindOf('2024')).toBe('number');
  });

  it('single characters make a one-character query match inside words, stop characters excepted', () => {
    expect(lexicalTermsWith('依法纳税', all)).toContain(char('税'));
    expect(lexicalTermsWith('税', all)).toContain(char('税'));
    expect(lexicalTermsWith('我的', all).filter((t) => lexicalKindOf(t) === 'cjk-char')).toEqual([]);
  });

  it('search mode also emits the words inside long words', () => {
    const terms = lexicalTermsWith('中华人民共和国', { ...all, words: 'search', unigrams: false });
    expect(terms).toEqual(expect.arrayContaining([word('中华人民共和国'), word('共和国'), word('人民')]));
  });

  it('weights a bigram that crosses a jieba word boundary apart from one inside a word', () => {
    const weights = { ...EQUAL_QUERY_WEIGHTS, crossingBigram: 0.25, word: 2 };
    const terms = lexicalQueryTermsWith('起诉个体工商户', { ...all, unigrams: false }, weights);
    // jieba: 起诉 | 个体 | 工商户; 诉个 and 体工 cross a boundary.
    expect(terms.get('起诉')).toBe(1);
    expect(terms.get('诉个')).toBe(0.25);
    expect(terms.get('体工')).toBe(0.25);
    expect(terms.get('商户')).toBe(1);
    expect(terms.get(word('工商户'))).toBe(2);
    // A weight of 0 drops the term.
    expect(lexicalQueryTermsWith('起诉个体', { ...all, unigrams: false }, { ...weights, crossingBigram: 0 }).has('诉个')).toBe(false);
  });

  it('counts a repeated query term once per repeat, or once', () => {
    expect(lexicalQueryTermsWith('合同 合同', { ...all, unigrams: false }, EQUAL_QUERY_WEIGHTS).get(word('合同'))).toBe(2);
    expect(lexicalQueryTermsWith('合同 合同', { ...all, unigrams: false }, { ...EQUAL_QUERY_WEIGHTS, countRepeats: false }).get(word('合同'))).toBe(1);
  });
});
