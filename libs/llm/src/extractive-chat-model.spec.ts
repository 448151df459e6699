import { countTokens } from '@fjord/text';
import { ChatDelta, ChatMessage } from './chat-model';
import { EXTRACTIVE_MODEL_NAME, ExtractiveChatModel, streamPieces } from './extractive-chat-model';
import { NO_ANSWER_TEXT, NO_ANSWER_TEXT_ZH, extractAnswer } from './extractive/extract-answer';
import { segmentSentences } from './extractive/segment';
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

  it('answers Chinese questions from Chinese sentences', () => {
    const answer = extractAnswer([
      { role: 'system', content: CONTEXT },
      { role: 'user', content: '挪威的首都是哪里？' },
    ]);
    expect(answer).toBe('挪威的首都是奥斯陆。[3]');
  });

  it('says so when nothing matches, in the language of the question, and is deterministic', () => {
    const messages = [
      { role: 'system' as const, content: CONTEXT },
      { role: 'user' as const, content: 'Quantum chromodynamics?' },
    ];
    expect(extractAnswer(messages)).toBe(NO_ANSWER_TEXT);
    expect(extractAnswer([{ role: 'system', content: CONTEXT }, { role: 'user', content: '量子色动力学是什么？' }])).toBe(NO_ANSWER_TEXT_ZH);
    expect(extractAnswer([{ role: 'system', content: CONTEXT }])).toBe(NO_ANSWER_TEXT);
    const q = [{ role: 'system' as const, content: CONTEXT }, { role: 'user' as const, content: 'rain in Bergen' }];
    expect(extractAnswer(q)).toBe(extractAnswer(q));
  });
});

/** A knowledge-chat prompt as buildPrefix writes it. */
function prompt(...passages: string[]): ChatMessage {
  return {
    role: 'system',
    content: ['You are a helpful assistant.', 'Answer from the numbered passages below.', 'Passages:', ...passages.map((p, i) => `[${i + 1}] ${p}`)].join('\n\n'),
  };
}
const ask = (system: ChatMessage, question: string, focus?: string) => extractAnswer([system, { role: 'user', content: question }], focus);

describe('extractAnswer on the failures new users met', () => {
  it('joins a sentence wrapped over lines instead of cutting it at the line end', () => {
    const answer = ask(prompt('# Maintenance\n\nThe scanner must be recalibrated every six months. Recalibration takes two technicians\nabout four hours and needs the reference\ntarget kit.'), 'How long does recalibration take?');
    expect(answer).toBe('Recalibration takes two technicians about four hours and needs the reference target kit. [1]');
  });

  it('joins wrapped Chinese lines without a space', () => {
    const answer = ask(prompt('差旅费报销须在出差结束后三十\n天内提交，并附上发票原件。'), '差旅费报销的期限是多久？');
    expect(answer).toBe('差旅费报销须在出差结束后三十天内提交，并附上发票原件。[1]');
  });

  it('never quotes a heading or a table header row as a sentence', () => {
    const answer = ask(
      prompt('## Scanner models and weights\n\n| Model | Weight | Recalibration |\n|---|---|---|\n| X2 | 4 kg | every six months |\n| X3 | 6 kg | every year |'),
      'How often is the X3 scanner recalibrated?',
    );
    expect(answer).toBe('Model: X3; Weight: 6 kg; Recalibration: every year [1]');
    expect(segmentSentences('Scanner models\n==============\n\nThe X2 weighs 4 kg.')).toEqual(['The X2 weighs 4 kg.']);
    expect(segmentSentences('Installing\n\nRun the installer.')).toEqual(['Run the installer.']);
  });

  it('keeps list items apart, with their wrapped continuation lines', () => {
    expect(segmentSentences('Before you start:\n- unplug the scanner and wait\n  ten minutes\n- remove the tray\n1. 关闭电源\n2. 取出托盘')).toEqual([
      'Before you start:',
      'unplug the scanner and wait ten minutes',
      'remove the tray',
      '关闭电源',
      '取出托盘',
    ]);
  });

  it('quotes a sentence found in two passages once, citing both', () => {
    const shared = 'Refunds are paid within 14 days of the request.';
    const answer = ask(prompt(`Orders ship within two days. ${shared}`, `Returns are accepted for 30 days. ${shared} Shipping is free.`), 'How fast are refunds paid?');
    expect(answer).toBe(`${shared} [1][2]`);
  });

  it('does not answer an off-topic question from unrelated text', () => {
    const bash = prompt(
      'BASH(1) General Commands Manual. Bash is an sh-compatible command language interpreter that executes commands read from the standard input or from a file.',
      'If the -c option is present, then commands are read from the first non-option argument command_string. A capital letter in a variable name is allowed.',
    );
    expect(ask(bash, 'What is the capital of France?')).toBe(NO_ANSWER_TEXT);
    expect(ask(bash, '法国的首都是哪里？')).toBe(NO_ANSWER_TEXT_ZH);
  });

  it('answers a follow-up from the passage retrieval found for the rewritten question', () => {
    const system = prompt(
      'The fjord is 205 kilometres long. It is 1,308 metres deep at its deepest point.',
      'The lake is deep and cold. How deep the lake is was measured in 1920.',
    );
    const followUp = [
      system,
      { role: 'user' as const, content: 'How long is the fjord?' },
      { role: 'assistant' as const, content: 'The fjord is 205 kilometres long. [1]' },
      { role: 'user' as const, content: 'and how deep is it?' },
    ];
    expect(extractAnswer(followUp, 'How long is the fjord? and how deep is it?')).toContain('It is 1,308 metres deep at its deepest point. [1]');
    expect(extractAnswer(followUp, 'How long is the fjord? and how deep is it?')).not.toContain('[2]');
  });

  it('does not split at abbreviations or decimals', () => {
    expect(segmentSentences('Use a mild cleaner, e.g. diluted alcohol. Dr. Berg approved it in v2.5 of the manual.')).toEqual([
      'Use a mild cleaner, e.g. diluted alcohol.',
      'Dr. Berg approved it in v2.5 of the manual.',
    ]);
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
