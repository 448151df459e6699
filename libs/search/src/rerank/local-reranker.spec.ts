import { LocalReranker } from './local-reranker';

describe('LocalReranker', () => {
  const reranker = new LocalReranker();

  it('prefers passages holding all query terms close together', async () => {
    const { scores, tokens } = await reranker.score('glacier carved fjord', [
      { content: 'The glacier carved the fjord long ago.' },
      { content: 'A glacier moved. Many years later people sailed. Water carved stone. Then a fjord appeared.' },
      { content: 'The glacier melted.' },
      { content: 'Bergen is rainy.' },
    ]);
    const [together, scattered, partial, none] = scores;
    expect(tokens).toBeUndefined(); // no model, no reported usage: RerankService counts
    expect(together).toBeGreaterThan(scattered);
    expect(scattered).toBeGreaterThan(partial);
    expect(partial).toBeGreaterThan(none);
    expect(none).toBe(0);
    expect(together).toBeCloseTo(1, 9);
  });

  it('works on Chinese through the same analyser, and counts title terms at half weight', async () => {
    const {
      scores: [zh, titled, plain],
    } = await reranker.score('中文检索', [
      { content: '支持中文检索' },
      { content: '无关内容', title: '中文检索' },
      { content: '无关内容' },
    ]);
    expect(zh).toBeGreaterThan(titled);
    expect(titled).toBeGreaterThan(plain);
  });
});
