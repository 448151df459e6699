import { MAX_JSON_DEPTH, malformedJsonReason } from './json-body-guard';

const body = (text: string) => Buffer.from(text, 'utf8');

describe('malformedJsonReason', () => {
  it('passes ordinary bodies, escaped backslashes before "u0000" and brackets inside strings', () => {
    expect(malformedJsonReason(body('{"name":"handbook","messages":[{"role":"user","content":"中文 \\"quoted\\" \\\\u0000 [{"}]}'))).toBeUndefined();
    expect(malformedJsonReason(body(`${'['.repeat(MAX_JSON_DEPTH)}1${']'.repeat(MAX_JSON_DEPTH)}`))).toBeUndefined();
    expect(malformedJsonReason(body(`{"s":"${'['.repeat(1000)}"}`))).toBeUndefined();
  });

  it('refuses an escaped NUL in any string, key or value', () => {
    expect(malformedJsonReason(body('{"name":"hand\\u0000book"}'))).toMatch(/NUL/);
    expect(malformedJsonReason(body('{"a\\u0000":1}'))).toMatch(/NUL/);
    expect(malformedJsonReason(body('{"s":"\\\\\\u0000"}'))).toMatch(/NUL/); // an escaped backslash, then a NUL
  });

  it('refuses nesting deeper than MAX_JSON_DEPTH, in objects and arrays', () => {
    expect(malformedJsonReason(body(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`))).toMatch(/deeper than 64/);
    expect(malformedJsonReason(body(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`))).toMatch(/deeper/);
  });
});
