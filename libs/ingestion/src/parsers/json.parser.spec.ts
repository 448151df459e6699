import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { parseDocument } from './document-parser';

async function markdownOf(json: string): Promise<string> {
  const doc = await parseDocument(Buffer.from(json), 'json');
  if (doc.kind !== 'text') throw new Error('expected text');
  return doc.markdown;
}

async function failure(json: string): Promise<PermanentError> {
  const error = await parseDocument(Buffer.from(json), 'json').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('JSON parser', () => {
  it('renders an array of objects as records of `path: value` lines', async () => {
    const json = JSON.stringify([
      { id: 1, title: 'Reset a password', author: { name: 'Ada', team: 'support' }, tags: ['account', 'login'] },
      { id: 2, title: '重置密码', steps: [{ text: 'Open settings' }, { text: 'Click reset' }], draft: false, note: null },
    ]);
    expect(await markdownOf(json)).toBe(
      [
        'id: 1\ntitle: Reset a password\nauthor.name: Ada\nauthor.team: support\ntags: account, login',
        'id: 2\ntitle: 重置密码\nsteps[0].text: Open settings\nsteps[1].text: Click reset\ndraft: false',
      ].join('\n\n'),
    );
  });

  it('renders a single object as one record', async () => {
    expect(await markdownOf('{"name": "fjord", "version": {"major": 1, "minor": 4}}')).toBe('name: fjord\nversion.major: 1\nversion.minor: 4');
  });

  it('reads JSON Lines', async () => {
    expect(await markdownOf('{"q": "What is fjord?", "a": "A RAG service"}\n\n{"q": "License?", "a": "Apache-2.0"}\n')).toBe(
      'q: What is fjord?\na: A RAG service\n\nq: License?\na: Apache-2.0',
    );
  });

  it('renders arrays of plain values and bare strings', async () => {
    expect(await markdownOf('["first note", "second note", 3]')).toBe('first note\n\nsecond note\n\n3');
  });

  it('reports invalid JSON as corrupt with the parser message', async () => {
    const error = await failure('{"name": "fjord",, }');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^JSON could not be read: .*(Unexpected|Expected)/);
  });

  it('reports invalid multi-line JSON by its own error, not as JSON Lines', async () => {
    const error = await failure('{\n  "name": "fjord",\n  "broken": [1, 2\n}');
    expect(error.message).toMatch(/^JSON could not be read: /);
    expect(error.message).not.toContain('line 1:');
  });

  it('names the bad line of a JSON Lines file', async () => {
    const error = await failure('{"a": 1}\n{"a": 2}\n{"a": oops}\n');
    expect(error.failedCode).toBe(FailedCode.Corrupt);
    expect(error.message).toMatch(/^JSON Lines could not be read: line 3: /);
  });
});
