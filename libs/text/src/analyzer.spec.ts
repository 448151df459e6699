import { analyze, analyzeTokens, detectScript, forEachToken } from './analyzer';

describe('analyze', () => {
  it('lower-cases, drops English stopwords and Porter2-stems', () => {
    expect(analyze('The runners were RUNNING quickly to the studies')).toEqual(['runner', 'run', 'quick', 'studi']);
    expect(analyze('running')).toEqual(['run']);
  });

  it('returns nothing for empty, blank, punctuation-only or stopword-only input', () => {
    expect(analyze('')).toEqual([]);
    expect(analyze('  \n\t ')).toEqual([]);
    expect(analyze('... ,;!? —')).toEqual([]);
    expect(analyze('the of and is was')).toEqual([]);
  });

  it('keeps numbers and splits on anything that is not a letter or digit', () => {
    expect(analyze('COVID-19 cases rose 3.5% in 2020; h2o')).toEqual(['covid', '19', 'case', 'rose', '3', '5', '2020', 'h2o']);
  });

  it('normalises full-width letters and digits (NFKC)', () => {
    expect(analyze('Ｈｅｌｌｏ　１２３')).toEqual(['hello', '123']);
    expect(analyze('ＡＰＩ接口（ＲＡＧ）')).toEqual(['api', '接口', 'rag']);
  });

  it('handles apostrophes: possessive dropped, contractions joined', () => {
    expect(analyze("children's health")).toEqual(['children', 'health']);
    expect(analyze('don’t stop')).toEqual(['dont', 'stop']);
  });

  it('folds accents on Latin letters but not on Cyrillic ones', () => {
    expect(analyze('Café NAÏVE')).toEqual(['cafe', 'naiv']);
    expect(analyze('Москва й')).toEqual(['москва', 'й']);
  });

  it('turns Chinese into overlapping character bigrams', () => {
    expect(analyze('知识库检索')).toEqual(['知识', '识库', '库检', '检索']);
  });

  it('keeps a lone CJK character and does not bridge punctuation', () => {
    expect(analyze('书')).toEqual(['书']);
    expect(analyze('知识，检索。好')).toEqual(['知识', '检索', '好']);
  });

  it('handles mixed Chinese and English text', () => {
    expect(analyze('使用GPT-4模型进行检索')).toEqual(['使用', 'gpt', '4', '模型', '型进', '进行', '行检', '检索']);
  });

  it('treats kana and hangul as CJK characters', () => {
    expect(analyze('カタカナ')).toEqual(['カタ', 'タカ', 'カナ']);
    expect(analyze('한국어')).toEqual(['한국', '국어']);
  });

  it('counts characters outside the BMP as one character', () => {
    expect(analyze('𠀀𠀁知')).toEqual(['𠀀𠀁', '𠀁知']);
  });

  it('is the same at index and query time: a query shares terms with the passage', () => {
    const passage = analyze('Retrieval-augmented generation grounds answers in retrieved passages.');
    const query = analyze('retrieving passages');
    expect(query.every((term) => passage.includes(term))).toBe(true);
  });
});

describe('analyzeTokens / forEachToken', () => {
  it('keeps runs longer than any English word unstemmed (stemming them costs the square of their length)', () => {
    const run = 'qz'.repeat(50_000) + 'ations';
    expect(analyze(`see ${run} here`)).toEqual(['see', run]);
    // Up to the limit a word is still stemmed as usual.
    expect(analyze('internationalizations')).toEqual([analyze('internationalization')[0]]);
  });

  it('reports kind and the pre-stemming surface form', () => {
    expect(analyzeTokens('Running 42 检索')).toEqual([
      { term: 'run', kind: 'word', surface: 'running' },
      { term: '42', kind: 'number', surface: '42' },
      { term: '检索', kind: 'cjk', surface: '检索' },
    ]);
    const terms: string[] = [];
    forEachToken('Running 42 检索', (term) => terms.push(term));
    expect(terms).toEqual(analyze('Running 42 检索'));
  });
});

describe('detectScript', () => {
  it('classifies by the share of CJK characters among letters', () => {
    expect(detectScript('知识库检索系统')).toBe('cjk');
    expect(detectScript('我们用 API 检索知识库中的文档并生成答案')).toBe('cjk');
    expect(detectScript('Knowledge base retrieval')).toBe('latin');
    expect(detectScript('知识库 knowledge base')).toBe('mixed');
    expect(detectScript('')).toBe('latin');
    expect(detectScript('12345')).toBe('latin');
    expect(detectScript('The Chinese word 知 means to know, as in the phrase knowledge base.')).toBe('latin');
  });
});
