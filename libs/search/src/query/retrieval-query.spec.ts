import { isFollowUp, retrievalQuery, searchedQuery } from './retrieval-query';

const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });

describe('retrievalQuery', () => {
  it('uses the last user message of a single-turn conversation as it is', () => {
    expect(retrievalQuery([{ role: 'system', content: 'be brief' }, user('How deep is the Sognefjord?')])).toEqual({ query: 'How deep is the Sognefjord?', rewritten: false });
  });

  it('rewrites an English follow-up from the previous question', () => {
    const messages = [user('How deep is the Sognefjord?'), assistant('1308 m [1]'), user('And how long is it?')];
    expect(retrievalQuery(messages)).toEqual({ query: 'How deep is the Sognefjord? And how long is it?', rewritten: true });
  });

  it('rewrites a Chinese follow-up', () => {
    const messages = [user('差旅费怎么报销？'), assistant('填写报销单 [1]'), user('需要多久呢？')];
    expect(retrievalQuery(messages)).toEqual({ query: '差旅费怎么报销？ 需要多久呢？', rewritten: true });
  });

  it('keeps pointing at the question a chain of follow-ups is about', () => {
    const messages = [user('Tell me about the Sognefjord in Norway.'), assistant('...'), user('How deep is it?'), assistant('...'), user('And how long?')];
    expect(retrievalQuery(messages)).toEqual({ query: 'Tell me about the Sognefjord in Norway. And how long?', rewritten: true });
  });

  it('leaves a self-contained new question alone', () => {
    const messages = [user('How deep is the Sognefjord?'), assistant('1308 m'), user('Which Norwegian city has the largest harbour for cruise ships?')];
    expect(retrievalQuery(messages).rewritten).toBe(false);
  });
});

describe('isFollowUp', () => {
  it.each([
    ['what about Oslo', true],
    ['Is it open in winter?', true],
    ['它有多长', true],
    ['Which Norwegian city has the largest harbour for cruise ships?', false],
    ['公司差旅报销流程需要哪些审批材料和发票', false],
  ])('%s -> %s', (text, expected) => expect(isFollowUp(text)).toBe(expected));
});

describe('searchedQuery (search_knowledge pre_processing)', () => {
  const input = (query: string, pre?: Record<string, unknown>) => ({ query, pre_processing: pre }) as Parameters<typeof searchedQuery>[0];
  const history = [
    { role: 'user', content: 'Where do harbour seals rest?' },
    { role: 'assistant', content: 'On the rocks.' },
  ];

  it('searches the query as given unless rewrite is on and there are messages', () => {
    expect(searchedQuery(input('and in winter?'))).toBe('and in winter?');
    expect(searchedQuery(input('and in winter?', { messages: history }))).toBe('and in winter?');
    expect(searchedQuery(input('and in winter?', { rewrite: true }))).toBe('and in winter?');
    expect(searchedQuery(input('and in winter?', { rewrite: true, messages: [] }))).toBe('and in winter?');
  });

  it('rewrites a follow-up, also when messages already end with the query (the Viking SDK sends it that way)', () => {
    expect(searchedQuery(input('and in winter?', { rewrite: true, messages: history }))).toBe('Where do harbour seals rest? and in winter?');
    const withQuery = [...history, { role: 'user', content: 'and in winter?' }];
    expect(searchedQuery(input('and in winter?', { rewrite: true, messages: withQuery }))).toBe('Where do harbour seals rest? and in winter?');
  });

  it('reads the text parts of OpenAI-style content arrays and ignores other parts', () => {
    const parts = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }, { type: 'text', text: 'Where do harbour seals rest?' }] }];
    expect(searchedQuery(input('what about them?', { rewrite: true, messages: parts }))).toBe('Where do harbour seals rest? what about them?');
  });
});
