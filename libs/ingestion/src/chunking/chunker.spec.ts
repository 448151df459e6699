import { countTokens } from '@fjord/text';
import { parseDocument } from '../parsers/document-parser';
import type { ParsedDocument } from '../parsers/parsed-document';
import type { Chunk } from './chunk';
import { chunkDocument } from './chunker';

/** Deterministic pseudo-random numbers, so every run sees the same text. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

const WORDS = 'vector index chunk query search embedding model token heading section document retrieval answer cache worker queue'.split(' ');

function englishParagraph(sentences: number, seed: number): string {
  const next = random(seed);
  return Array.from({ length: sentences }, () => {
    const words = Array.from({ length: 8 + Math.floor(next() * 10) }, () => WORDS[Math.floor(next() * WORDS.length)]);
    return `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}.`;
  }).join(' ');
}

const HANZI = '知识库检索增强生成向量索引文档切分标题段落模型查询缓存队列服务器用户数据系统配置安装运行结果方法研究中文字符测试';

function chineseText(chars: number, seed: number, punctuate: boolean): string {
  const next = random(seed);
  let text = '';
  while (Array.from(text).length < chars) {
    text += HANZI[Math.floor(next() * HANZI.length)];
    if (punctuate && next() < 0.08) text += next() < 0.7 ? '，' : '。';
  }
  return text;
}

const text = (markdown: string, title?: string): ParsedDocument => ({ kind: 'text', title, markdown });

/** The invariants every chunking must keep. */
function expectValid(chunks: Chunk[], limit: number): void {
  expect(chunks.length).toBeGreaterThan(0);
  chunks.forEach((chunk, i) => {
    expect(chunk.chunkId).toBe(i);
    expect(chunk.content.trim()).not.toBe('');
    expect(chunk.tokenCount).toBe(countTokens(chunk.content));
    expect(chunk.tokenCount).toBeLessThanOrEqual(limit);
  });
}

const squash = (value: string): string => value.replace(/\s+/g, '');
const withoutHeadingLines = (markdown: string): string => markdown.replace(/^#{1,6} .*$/gm, '');

describe('chunkDocument: text', () => {
  it('keeps a short document as one chunk titled with the document title', async () => {
    const chunks = await chunkDocument(text('Fjord indexes documents.\n\nIt answers questions.', 'About'));
    expect(chunks).toEqual([
      { chunkId: 0, title: 'About', content: 'Fjord indexes documents.\n\nIt answers questions.', tokenCount: countTokens('Fjord indexes documents.\n\nIt answers questions.') },
    ]);
    expect((await chunkDocument(text('No title here.')))[0].title).toBe('');
  });

  it('titles chunks with their heading path and keeps heading lines out of the content', async () => {
    const markdown = 'Before any heading.\n\n# Install\nGet the binary.\n## Linux\nUse apt.\n## macOS\nUse brew.\n# Usage\nRun fjord.';
    const chunks = await chunkDocument(text(markdown, 'Manual'), { chunkLength: 100, mergeSmallChunks: false });
    expect(chunks.map((chunk) => [chunk.title, chunk.content])).toEqual([
      ['Manual', 'Before any heading.'],
      ['Install', 'Get the binary.'],
      ['Install > Linux', 'Use apt.'],
      ['Install > macOS', 'Use brew.'],
      ['Usage', 'Run fjord.'],
    ]);
  });

  it('splits a long section at sentence ends within the limit and loses no text', async () => {
    const body = Array.from({ length: 12 }, (_, i) => englishParagraph(6, i + 1)).join('\n\n');
    const markdown = `# Guide\n## Details\n${body}`;
    const chunks = await chunkDocument(text(markdown), { chunkLength: 120, mergeSmallChunks: false });
    expectValid(chunks, 120);
    expect(chunks.length).toBeGreaterThan(countTokens(body) / 120);
    expect(chunks.every((chunk) => chunk.title === 'Guide > Details')).toBe(true);
    expect(chunks.every((chunk) => chunk.content.endsWith('.'))).toBe(true);
    expect(squash(chunks.map((chunk) => chunk.content).join(''))).toBe(squash(body));
  });

  it('fills chunks close to the limit (default 500 tokens)', async () => {
    const body = Array.from({ length: 30 }, (_, i) => englishParagraph(3, 100 + i)).join('\n\n');
    const chunks = await chunkDocument(text(body));
    expectValid(chunks, 500);
    expect(Math.max(...chunks.map((chunk) => chunk.tokenCount))).toBeGreaterThan(400);
  });

  it('splits Chinese text at Chinese punctuation within the limit', async () => {
    const body = chineseText(3000, 7, true);
    const chunks = await chunkDocument(text(`# 中文\n${body}`), { chunkLength: 100 });
    expectValid(chunks, 100);
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.slice(0, -1).every((chunk) => /[。，]$/.test(chunk.content))).toBe(true);
    expect(chunks.map((chunk) => chunk.content).join('')).toBe(body);
  });

  it('splits Chinese text with no spaces or punctuation at all within the limit', async () => {
    const body = chineseText(600, 11, false);
    const chunks = await chunkDocument(text(body), { chunkLength: 40 });
    expectValid(chunks, 40);
    expect(chunks.map((chunk) => chunk.content).join('')).toBe(body);
  });

  it('never cuts a surrogate pair when it has to split by character', async () => {
    const body = '😀🚀🎉'.repeat(150);
    const chunks = await chunkDocument(text(body), { chunkLength: 20 });
    expectValid(chunks, 20);
    const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    expect(chunks.some((chunk) => loneSurrogate.test(chunk.content))).toBe(false);
    expect(chunks.map((chunk) => chunk.content).join('')).toBe(body);
  });

  it('covers all text of a mixed document, headings included', async () => {
    const markdown = [
      'Intro paragraph.',
      '# Part one',
      englishParagraph(30, 3),
      '## Tiny',
      'Small note.',
      '## 中文部分',
      chineseText(800, 5, true),
      '# Part two',
      '```\n# not a heading\ncode line\n```',
      englishParagraph(4, 9),
    ].join('\n\n');
    for (const mergeSmallChunks of [false, true]) {
      const chunks = await chunkDocument(text(markdown), { chunkLength: 80, mergeSmallChunks });
      expectValid(chunks, 80);
      const contents = chunks.map((chunk) => chunk.content).join('\n');
      // Heading lines live in titles (or, in merged chunks, inside the content): compare without them.
      expect(squash(withoutHeadingLines(contents))).toBe(squash(withoutHeadingLines(markdown)));
    }
  });

  it('titles chunks of a parsed HTML page with its heading path', async () => {
    const html = '<html><head><title>Ops</title></head><body><h1>Backups</h1><p>Nightly.</p><h2>Restore</h2><p>Use the CLI.</p></body></html>';
    const chunks = await chunkDocument(await parseDocument(Buffer.from(html), 'html'), { mergeSmallChunks: false });
    expect(chunks.map((chunk) => [chunk.title, chunk.content])).toEqual([
      ['Backups', 'Nightly.'],
      ['Backups > Restore', 'Use the CLI.'],
    ]);
  });

  it('is deterministic', async () => {
    const markdown = `# A\n${englishParagraph(40, 21)}\n## B\n${chineseText(500, 22, true)}`;
    const first = await chunkDocument(text(markdown), { chunkLength: 64 });
    const second = await chunkDocument(text(markdown), { chunkLength: 64 });
    expect(second).toEqual(first);
  });

  it('rejects a chunk length too small to hold a character and a table header', async () => {
    await expect(chunkDocument(text('x'), { chunkLength: 0 })).rejects.toThrow(RangeError);
    await expect(chunkDocument(text('x'), { chunkLength: 99.5 })).rejects.toThrow(RangeError);
  });
});

describe('chunkDocument: properties over generated documents', () => {
  /** Mixed-language Markdown with every heading followed by text (a bare trailing heading becomes content). */
  function generatedMarkdown(seed: number): string {
    const next = random(seed);
    const blocks: string[] = [];
    for (let i = 0; i < 4 + Math.floor(next() * 12); i++) {
      const kind = next();
      if (kind < 0.25) blocks.push(`${'#'.repeat(1 + Math.floor(next() * 3))} Heading ${i}`);
      if (kind < 0.5) blocks.push(englishParagraph(1 + Math.floor(next() * 12), seed * 100 + i));
      else if (kind < 0.7) blocks.push(chineseText(20 + Math.floor(next() * 400), seed * 100 + i, next() < 0.8));
      else if (kind < 0.8) blocks.push('```\n# comment in code\nconst x = 1;\n```');
      else if (kind < 0.9) blocks.push(Array.from({ length: 5 }, (_, j) => `- item ${j} ${WORDS[j]}`).join('\n'));
      else blocks.push('| a | b |\n| --- | --- |\n| 1 | 2 |\n\nEmoji 🚀 line 😀.');
    }
    return blocks.join(next() < 0.5 ? '\n\n' : '\n');
  }

  it.each(Array.from({ length: 24 }, (_, i) => i + 1))('document %i: chunks are valid and cover all text', async (seed) => {
    const markdown = generatedMarkdown(seed);
    const next = random(seed + 999);
    const chunkLength = 16 + Math.floor(next() * 300);
    for (const mergeSmallChunks of [false, true]) {
      const chunks = await chunkDocument(text(markdown, 'Generated'), { chunkLength, mergeSmallChunks });
      expectValid(chunks, chunkLength);
      const contents = chunks.map((chunk) => chunk.content).join('\n');
      expect(squash(withoutHeadingLines(contents))).toBe(squash(withoutHeadingLines(markdown)));
    }
  });
});

describe('chunkDocument: merging small chunks', () => {
  const faq = '# FAQ\n## Ports\nHTTP on 8080.\n## Storage\nData lives in Postgres.\n## Backups\nNightly snapshots.\n# Changelog\n## v2\nAdds search.';

  it('merges small neighbours of one top-level section under their shared path', async () => {
    const chunks = await chunkDocument(text(faq), { chunkLength: 200, mergeSmallChunks: true });
    expectValid(chunks, 200);
    expect(chunks.map((chunk) => [chunk.title, chunk.content])).toEqual([
      ['FAQ', '## Ports\n\nHTTP on 8080.\n\n## Storage\n\nData lives in Postgres.\n\n## Backups\n\nNightly snapshots.'],
      ['Changelog > v2', 'Adds search.'],
    ]);
  });

  it('leaves chunks alone when merging is off', async () => {
    const chunks = await chunkDocument(text(faq), { chunkLength: 200, mergeSmallChunks: false });
    expect(chunks.map((chunk) => chunk.title)).toEqual(['FAQ > Ports', 'FAQ > Storage', 'FAQ > Backups', 'Changelog > v2']);
  });

  it('does not repeat a heading when pieces of one subsection are merged', async () => {
    const chunks = await chunkDocument(text('# Setup\nShort intro.\n## Linux\nStep one.\n\nStep two.'), { chunkLength: 100 });
    expect(chunks.map((chunk) => [chunk.title, chunk.content])).toEqual([['Setup', 'Short intro.\n\n## Linux\n\nStep one.\n\nStep two.']]);
  });

  it('stops merging at the chunk length', async () => {
    const sections = Array.from({ length: 40 }, (_, i) => `## Q${i}\n${englishParagraph(1, 300 + i)}`).join('\n');
    const chunks = await chunkDocument(text(`# FAQ\n${sections}`), { chunkLength: 120 });
    expectValid(chunks, 120);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(40);
    expect(chunks.every((chunk) => chunk.title === 'FAQ')).toBe(true);
  });

  it('does not merge chunks that are both large enough', async () => {
    const markdown = `# Doc\n## One\n${englishParagraph(3, 41)}\n## Two\n${englishParagraph(3, 42)}`;
    const chunks = await chunkDocument(text(markdown), { chunkLength: 150 });
    expect(chunks.every((chunk) => chunk.tokenCount >= 150 / 4)).toBe(true);
    expect(chunks.map((chunk) => chunk.title)).toEqual(['Doc > One', 'Doc > Two']);
  });
});

describe('chunkDocument: tables', () => {
  const header = ['id', 'name', 'city'];
  const headerBlock = '| id | name | city |\n| --- | --- | --- |';
  const rows = Array.from({ length: 200 }, (_, i) => [String(i), `Customer ${i}`, i % 2 ? 'Oslo' : '上海']);

  it('groups rows into chunks that each start with the header row', async () => {
    const chunks = await chunkDocument({ kind: 'table', title: 'customers.csv', header, rows }, { chunkLength: 100 });
    expectValid(chunks, 100);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.every((chunk) => chunk.content.startsWith(`${headerBlock}\n`) && chunk.title === 'customers.csv')).toBe(true);
    const bodyRows = chunks.flatMap((chunk) => chunk.content.split('\n').slice(2));
    expect(bodyRows).toEqual(rows.map((row) => `| ${row.join(' | ')} |`));
  });

  it('splits a row too long for one chunk, each part still carrying the header', async () => {
    const long = englishParagraph(25, 77);
    const chunks = await chunkDocument(
      { kind: 'table', header, rows: [['1', 'Short', 'Oslo'], ['2', long, 'Bergen'], ['3', 'After', 'Oslo']] },
      { chunkLength: 60 },
    );
    expectValid(chunks, 60);
    expect(chunks.every((chunk) => chunk.content.startsWith(headerBlock))).toBe(true);
    expect(chunks[0].content).toBe(`${headerBlock}\n| 1 | Short | Oslo |`);
    expect(chunks.at(-1)!.content).toBe(`${headerBlock}\n| 3 | After | Oslo |`);
    const parts = chunks.slice(1, -1).map((chunk) => chunk.content.slice(headerBlock.length));
    expect(parts.length).toBeGreaterThan(2);
    expect(squash(parts.join(''))).toBe(squash(`id: 2\nname: ${long}\ncity: Bergen`));
  });

  it('escapes pipes and flattens newlines inside cells', async () => {
    const chunks = await chunkDocument({ kind: 'table', header: ['q', 'a'], rows: [['a|b', 'line 1\nline 2']] });
    expect(chunks[0].content).toBe('| q | a |\n| --- | --- |\n| a\\|b | line 1 line 2 |');
  });

  it('writes rows as `column: value` records when the header alone would fill half a chunk', async () => {
    const wide = Array.from({ length: 30 }, (_, i) => `measurement_column_${i}`);
    const values = Array.from({ length: 5 }, (_, r) => wide.map((_, c) => String(r * 100 + c)));
    const chunks = await chunkDocument({ kind: 'table', header: wide, rows: values }, { chunkLength: 100 });
    expectValid(chunks, 100);
    expect(chunks[0].content.startsWith('measurement_column_0: 0\nmeasurement_column_1: 1')).toBe(true);
    expect(chunks.map((chunk) => chunk.content).join('\n')).toContain('measurement_column_29: 429');
  });

  it('keeps a header-only table as one chunk', async () => {
    expect(await chunkDocument({ kind: 'table', header, rows: [] })).toEqual([
      { chunkId: 0, title: '', content: headerBlock, tokenCount: countTokens(headerBlock) },
    ]);
  });
});
