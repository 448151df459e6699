import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentError } from '@fjord/common';
import { parseDocument } from '../parsers/document-parser';
import type { Chunk } from './chunk';
import { chunkDocument } from './chunker';
import { chunkCsvStream } from './csv-chunk-stream';

async function streamed(csv: Buffer | { path: string }, chunkLength: number, options: { blockRows?: number; sliceBytes?: number }): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  await chunkCsvStream(csv, chunkLength, async (batch) => void chunks.push(...batch), options);
  return chunks;
}

async function whole(csv: Buffer, chunkLength: number): Promise<Chunk[]> {
  return chunkDocument(await parseDocument(csv, 'csv'), { chunkLength });
}

describe('chunkCsvStream (a CSV read and chunked a slice at a time)', () => {
  it('makes the same chunks as reading the file whole, with quoted line breaks and quotes across slice edges', async () => {
    const rows = ['id,question,answer,score'];
    for (let i = 0; i < 400; i++) {
      rows.push(`${i},"How, exactly, does step ${i} work?","Say ""hi"",\nthen wait ${i} seconds",${i % 17}.5`);
    }
    const csv = Buffer.from(rows.join('\r\n'));
    const expected = await whole(csv, 120);
    expect(expected.length).toBeGreaterThan(20);
    // Slices of 97 bytes cut through quoted fields, doubled quotes and \r\n pairs; blocks of 7 rows
    // end table groups the whole-file chunker would have continued, so blocks are compared as text.
    for (const options of [{ sliceBytes: 97, blockRows: 100_000 }, { sliceBytes: 1 << 20 }]) {
      const chunks = await streamed(csv, 120, options);
      expect(chunks.map((chunk) => chunk.content)).toEqual(expected.map((chunk) => chunk.content));
      expect(chunks.map((chunk) => chunk.chunkId)).toEqual(expected.map((_, i) => i));
    }
    // From a file, read 97 bytes at a time.
    const dir = mkdtempSync(join(tmpdir(), 'fjord-csv-stream-'));
    try {
      writeFileSync(join(dir, 'table.csv'), csv);
      const fromFile = await streamed({ path: join(dir, 'table.csv') }, 120, { sliceBytes: 97 });
      expect(fromFile.map((chunk) => chunk.content)).toEqual(expected.map((chunk) => chunk.content));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const small = await streamed(csv, 120, { sliceBytes: 97, blockRows: 7 });
    const cells = (chunks: Chunk[]) => chunks.flatMap((chunk) => chunk.content.split('\n').slice(2));
    expect(cells(small)).toEqual(cells(expected));
  });

  it('decodes UTF-16, GB18030 and multi-byte UTF-8 slice by slice (characters split across slice edges) as the whole-file parser does', async () => {
    const text = 'name,city\n张三,上海\n李四,北京\n';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const gb18030 = Buffer.from('6e616d652c636974790ad5c5c8fd2cc9cfbaa30ac0eecbc42cb1b1bea90a', 'hex');
    expect(new TextDecoder('gb18030').decode(gb18030)).toBe(text);
    for (const csv of [utf16, Buffer.from(text), gb18030]) {
      const chunks = await streamed(csv, 100, { sliceBytes: 5 });
      expect(chunks.map((chunk) => chunk.content)).toEqual((await whole(csv, 100)).map((chunk) => chunk.content));
      expect(chunks[0].content).toContain('| 张三 | 上海 |');
    }
  });

  it('keeps a header-only file as one chunk naming its columns, and refuses an empty one', async () => {
    const chunks = await streamed(Buffer.from('name,city,country\n'), 100, {});
    expect(chunks.map((chunk) => chunk.content)).toEqual((await whole(Buffer.from('name,city,country\n'), 100)).map((chunk) => chunk.content));
    const error = await chunkCsvStream(Buffer.from('\n\n'), 100, async () => undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe('document is empty');
  });
});
