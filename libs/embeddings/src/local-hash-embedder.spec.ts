import { LOCAL_EMBEDDING_MODEL } from '@fjord/config';
import { LocalHashEmbedder } from './local-hash-embedder';

const dot = (a: number[], b: number[]): number => a.reduce((sum, x, i) => sum + x * b[i], 0);
const norm = (a: number[]): number => Math.sqrt(dot(a, a));

/** Each query's paraphrase must be its nearest neighbour among all the paraphrases. */
function expectParaphrasesNearest(embedder: LocalHashEmbedder, pairs: Array<[string, string]>): void {
  const queries = pairs.map(([query]) => embedder.embedText(query));
  const passages = pairs.map(([, passage]) => embedder.embedText(passage));
  queries.forEach((query, i) => {
    const scores = passages.map((passage) => dot(query, passage));
    const best = scores.indexOf(Math.max(...scores));
    expect({ query: pairs[i][0], nearest: pairs[best][1] }).toEqual({ query: pairs[i][0], nearest: pairs[i][1] });
  });
  // And clearly so on average: random 384-d unit vectors have cosines of about ±0.05.
  const matched = queries.map((q, i) => dot(q, passages[i]));
  const unmatched = queries.flatMap((q, i) => passages.filter((_, j) => j !== i).map((p) => dot(q, p)));
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  expect(mean(matched) - mean(unmatched)).toBeGreaterThan(0.25);
}

describe('LocalHashEmbedder', () => {
  const embedder = new LocalHashEmbedder(384);

  it('names the local model and its configured dimension', () => {
    expect(embedder.model).toBe(LOCAL_EMBEDDING_MODEL);
    expect(embedder.dimension).toBe(384);
    expect(new LocalHashEmbedder(64).embedText('hello world')).toHaveLength(64);
    expect(() => new LocalHashEmbedder(4)).toThrow(RangeError);
  });

  it('is deterministic across calls and instances', async () => {
    const text = 'Deterministic hashing: 知识库 and knowledge bases.';
    const [a] = await embedder.embed([text], 'document');
    const [b] = await new LocalHashEmbedder(384).embed([text], 'query');
    expect(b).toEqual(a);
    expect(embedder.embedText(text)).toEqual(a);
  });

  it('returns L2-normalised finite vectors, also for empty or stopword-only text', async () => {
    const vectors = await embedder.embed(['A sentence about retrieval.', '检索增强生成', '', 'the of and', '!!!'], 'document');
    for (const vector of vectors) {
      expect(vector).toHaveLength(384);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
    // Texts without features share one fixed vector instead of an all-zero one.
    expect(vectors[3]).toEqual(vectors[2]);
  });

  it('keeps input order and handles batches larger than one yield slice', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => `document number ${i}`);
    const vectors = await embedder.embed(texts, 'document');
    expect(vectors).toHaveLength(70);
    expect(vectors[69]).toEqual(embedder.embedText('document number 69'));
  });

  it('places English paraphrases nearer than unrelated sentences', () => {
    expectParaphrasesNearest(embedder, [
      ['How can I reset my account password?', 'Steps for resetting a forgotten password on your account'],
      ['The vaccine reduced hospitalization rates among elderly patients', 'Older patients who were vaccinated were hospitalized less often'],
      ['Heavy rainfall caused flooding in the city center', 'The downtown area flooded after heavy rains'],
      ['Regular exercise improves cardiovascular health', 'Exercising regularly is good for your cardiovascular system'],
      ['The stock market fell sharply on Monday', 'Markets dropped steeply when trading opened Monday'],
    ]);
  });

  it('places Chinese paraphrases nearer than unrelated sentences', () => {
    expectParaphrasesNearest(embedder, [
      ['如何重置我的登录密码', '忘记密码后怎样重新设置登录'],
      ['知识库检索的准确率如何提升', '怎样提高知识库搜索的准确性'],
      ['北京是中国的首都', '中国的首都城市是北京'],
      ['这款手机的电池续航时间很长', '该手机电池续航能用很久'],
      ['机器学习模型需要大量训练数据', '训练机器学习模型要用很多数据'],
    ]);
  });

  it('relates inflected forms through character n-grams', () => {
    const related = dot(embedder.embedText('hospitalization'), embedder.embedText('hospitalized'));
    const unrelated = dot(embedder.embedText('hospitalization'), embedder.embedText('umbrella'));
    expect(related).toBeGreaterThan(0.3);
    expect(related).toBeGreaterThan(unrelated + 0.25);
  });
});
