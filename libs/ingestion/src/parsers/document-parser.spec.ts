import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocType } from './doc-type';
import { parseDocument } from './document-parser';

/** GB18030 bytes for BMP Chinese text, from Node's own decoder run backwards over the 2-byte table. */
function encodeGb18030(text: string): Buffer {
  const pairs: number[] = [];
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) if (trail !== 0x7f) pairs.push(lead, trail);
  }
  const chars = new TextDecoder('gb18030').decode(Buffer.from(pairs));
  const table = new Map(Array.from(chars, (char, i) => [char, [pairs[2 * i], pairs[2 * i + 1]]] as const));
  return Buffer.from(Array.from(text).flatMap((char) => (char.charCodeAt(0) < 0x80 ? [char.charCodeAt(0)] : table.get(char)!)));
}

async function failure(bytes: Buffer, type: string): Promise<PermanentError> {
  const error = await parseDocument(bytes, type as DocType).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PermanentError);
  return error as PermanentError;
}

describe('parseDocument: plain text and Markdown', () => {
  it('passes text through, normalising line endings and blank-line runs', async () => {
    const doc = await parseDocument(Buffer.from('Line one\r\nLine two   \r\n\r\n\r\n\r\nLast\u0000 line\n'), 'txt');
    expect(doc).toEqual({ kind: 'plain', title: undefined, pages: ['Line one\nLine two\n\nLast line'], paged: false });
  });

  it('strips a UTF-8 byte order mark', async () => {
    const doc = await parseDocument(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# 标题\n正文')]), 'md');
    expect(doc.kind === 'text' && doc.markdown).toBe('# 标题\n正文');
  });

  it('keeps UTF-8 Chinese text intact', async () => {
    const text = '知识库支持中文检索。每个文档会被切分成若干片段，然后生成向量。';
    const doc = await parseDocument(Buffer.from(text), 'txt');
    expect(doc.kind === 'plain' && doc.pages).toEqual([text]);
  });

  it('falls back to GB18030 for text that is not valid UTF-8', async () => {
    const text = '第一章 安装\n请先下载安装包，然后运行安装程序。';
    const bytes = encodeGb18030(text);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow(); // really not UTF-8
    const doc = await parseDocument(bytes, 'txt');
    expect(doc.kind === 'plain' && doc.pages).toEqual([text]);
  });

  it('decodes UTF-16 with a byte order mark', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Hello 世界', 'utf16le')]);
    const doc = await parseDocument(bytes, 'txt');
    expect(doc.kind === 'plain' && doc.pages).toEqual(['Hello 世界']);
  });

  it('takes a Markdown title from front matter and drops the front matter', async () => {
    const doc = await parseDocument(Buffer.from('---\ntitle: "Deploy guide"\ntags: [ops]\n---\n# Deploying\n\nSteps.'), 'markdown');
    expect(doc).toEqual({ kind: 'text', title: 'Deploy guide', markdown: '# Deploying\n\nSteps.' });
  });

  it('takes a Markdown title from the first h1 otherwise', async () => {
    const doc = await parseDocument(Buffer.from('Intro line\n\n# Getting started\n\nText'), 'md');
    expect(doc.title).toBe('Getting started');
  });
});

describe('parseDocument: failures', () => {
  it.each(['txt', 'md', 'html', 'pdf', 'docx', 'csv', 'json'])('reports an empty %s file as empty', async (type) => {
    const error = await failure(Buffer.alloc(0), type);
    expect(error.failedCode).toBe(FailedCode.Empty);
    expect(error.message).toBe('document is empty');
  });

  it.each([
    ['txt', ' \n\t\r\n  '],
    ['md', '\ufeff   \n'],
    ['html', '<html><head><title> </title></head><body><script>x()</script>  </body></html>'],
    ['csv', '\n\n  \n'],
    ['json', '[]'],
    ['json', '{"a": null, "b": ""}'],
  ])('reports a whitespace-only %s document as empty', async (type, content) => {
    const error = await failure(Buffer.from(content), type);
    expect(error.failedCode).toBe(FailedCode.Empty);
  });

  it('rejects an unsupported doc_type with the list of supported ones', async () => {
    const error = await failure(Buffer.from('x'), 'exe');
    expect(error.failedCode).toBe(FailedCode.Unsupported);
    expect(error.message).toMatch(/^unsupported doc_type "exe" \(supported: txt, md, markdown, html, pdf, docx, csv, json, png, jpg, jpeg, webp, tiff, bmp, .*xlsx, xls, ods.*\)$/);
    expect(error.message).toMatch(/\bepub, eml, msg, rtf\b/);
  });
});
