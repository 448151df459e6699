import { countTokens } from '@fjord/text';
import { ChatDelta } from './chat-model';
import { EXTRACTIVE_MODEL_NAME, ExtractiveChatModel, NO_ANSWER_TEXT, extractAnswer, streamPieces, termsOf } from './extractive-chat-model';
import { countPromptTokens } from './message-tokens';

const CONTEXT = [
  'Use the passages below.',
  '[1] Oslo is the capital of Norway. It lies at the head of the Oslofjord.',
  '[2] Bergen is known for its rain. The Hanseatic wharf Bryggen is in Bergen.',
  '[3] 挪威的首都是奥斯陆。卑尔根以多雨闻名。',
].join('\n');

describe('extractAnswer', () => {
  it('quotes the most relevant sentences with their [n] markers', () => {
    const answer = extractAnswer([
      { role: 'system', content: CONTEXT },
      { role: 'user', content: 'What is the capital of Norway?' },
    ]);
    expect(answer).toContain('Oslo is the capital of Norway. [1]');
    expect(answer).not.toContain('Bryggen');
  });

  it('answers the last user question, not earlier ones, and never quotes its own replies', () => {
    const answer = extractAnswer([
      { role: 'system', content: CONTEXT },
      { role: 'user', content: 'What is the capital of Norway?' },
      { role: 'assistant', content: 'Bryggen wharf rain rain rain Bergen.' },
      { role: 'user', content: 'Where is the Bryggen wharf?' },
    ]);
    expect(answer).toBe('The Hanseatic wharf Bryggen is in Bergen. [2]');
  });

  it('handles Chinese with character bigrams', () => {
    expect(termsOf('首都')).toEqual(['首', '首都', '都']);
    const answer = extractAnswer([
      { role: 'system', content: CONTEXT },
      { role: 'user', content: '挪威的首都是哪里？' },
    ]);
    expect(answer).toContain('挪威的首都是奥斯陆。 [3]');
  });

  it('says so when nothing matches, and is deterministic', () => {
    const messages = [
      { role: 'system' as const, content: CONTEXT },
      { role: 'user' as const, content: 'Quantum chromodynamics?' },
    ];
    expect(extractAnswer(messages)).toBe(NO_ANSWER_TEXT);
    expect(extractAnswer([{ role: 'system', content: CONTEXT }])).toBe(NO_ANSWER_TEXT);
    const q = [{ role: 'system' as const, content: CONTEXT }, { role: 'user' as const, content: 'rain in Bergen' }];
    expect(extractAnswer(q)).toBe(extractAnswer(q));
  });
});

describe('ExtractiveChatModel', () => {
  const model = new ExtractiveChatModel();
  const request = {
    model: 'anything',
    messages: [
      { role: 'system' as const, content: CONTEXT },
      { role: 'user' as const, content: 'Tell me about the rain in Bergen and the Bryggen wharf' },
    ],
  };

  it('names itself extractive and counts usage with o200k', async () => {
    const result = await model.generate(request);
    expect(result.model).toBe(EXTRACTIVE_MODEL_NAME);
    expect(model.responseModel()).toBe(EXTRACTIVE_MODEL_NAME);
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toEqual({
      promptTokens: countPromptTokens(request.messages),
      completionTokens: countTokens(result.content),
      totalTokens: countPromptTokens(request.messages) + countTokens(result.content),
      cachedTokens: 0,
      reasoningTokens: 0,
      reported: false,
    });
  });

  it('honours max_tokens (finish_reason length) and stop', async () => {
    const short = await model.generate({ ...request, maxTokens: 3 });
    expect(short.finishReason).toBe('length');
    expect(countTokens(short.content)).toBeLessThanOrEqual(3);
    const stopped = await model.generate({ ...request, stop: ['wharf'] });
    expect(stopped.content).not.toContain('wharf');
  });

  it('streams the same answer in several pieces, then done', async () => {
    const full = await model.generate(request);
    const deltas: ChatDelta[] = [];
    for await (const delta of model.stream(request)) deltas.push(delta);
    const pieces = deltas.filter((d) => d.type === 'content').map((d) => (d as { content: string }).content);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(full.content);
    expect(deltas.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop', usage: full.usage });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(model.generate(request, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('streamPieces covers the text exactly', () => {
    const text = 'one two three four five six seven eight nine ' + 'x'.repeat(30);
    expect(streamPieces(text).join('')).toBe(text);
  });
});
