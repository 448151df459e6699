import { open } from 'node:fs/promises';
import Papa from 'papaparse';
import { looksLikeHeader } from './csv.parser';

/** Records the header decision looks at: enough to see which columns hold numbers. */
const HEADER_SAMPLE = 1_000;
/** Bytes decoded and handed to the CSV parser at a time. */
const TEXT_SLICE = 1 << 20;

/**
 * A CSV file as a stream of row blocks, never as one string: the bytes are decoded a slice at a
 * time, each slice is cut after its last line break outside quotes and parsed by papaparse (the
 * delimiter it detects in the first slice is kept for the rest), and `onRows` is awaited before
 * more is read, so memory stays near one slice however large the file. Same reading as parseCsv (encodings, the
 * header decision, `column_n` names), except that the header is decided from the first
 * HEADER_SAMPLE records and a row wider than every one before it adds `column_n` names from then on.
 */
/** A CSV in memory, or a file read a slice at a time (the parser process then never holds it whole). */
export type CsvSource = Uint8Array | { path: string };

export async function streamCsv(
  source: CsvSource,
  blockRows: number,
  onRows: (header: string[], rows: string[][]) => Promise<void>,
  sliceBytes: number = TEXT_SLICE,
): Promise<{ rows: number }> {
  let header: string[] | undefined;
  let sample: string[][] = [];
  let block: string[][] = [];
  let total = 0;
  const toRow = (record: string[]): string[] => {
    const row = header as string[];
    for (let i = row.length; i < record.length; i++) row.push(`column_${i + 1}`);
    return Array.from({ length: row.length }, (_, i) => record[i] ?? '');
  };
  const decideHeader = (): void => {
    let width = 0;
    for (const record of sample) width = Math.max(width, record.length);
    const hasHeader = looksLikeHeader(sample);
    const first = hasHeader ? sample[0] : [];
    header = Array.from({ length: width }, (_, i) => first[i] || `column_${i + 1}`);
    block = (hasHeader ? sample.slice(1) : sample).map(toRow);
    sample = [];
  };
  const flush = async (): Promise<void> => {
    if (block.length === 0) return;
    const rows = block;
    block = [];
    total += rows.length;
    await onRows([...(header as string[])], rows);
  };

  let delimiter: string | undefined;
  const take = async (text: string): Promise<void> => {
    const result = Papa.parse<string[]>(text, { skipEmptyLines: 'greedy', ...(delimiter ? { delimiter } : {}) });
    delimiter ??= result.meta.delimiter;
    for (const raw of result.data) {
      const record = raw.map((cell) => cell.trim());
      if (header === undefined) {
        sample.push(record);
        if (sample.length >= HEADER_SAMPLE) decideHeader();
      } else {
        block.push(toRow(record));
      }
      if (header !== undefined && block.length >= blockRows) await flush();
    }
  };

  let carry = '';
  let quoted = false;
  for await (const slice of decodedSlices(source, sliceBytes)) {
    // Where the text can be cut: after the last line break outside a quoted field. A doubled quote
    // inside a field flips the state twice, so counting quotes is enough.
    let cut = -1;
    let inQuotes: boolean = quoted;
    const from = carry.length;
    carry += slice;
    for (let i = from; i < carry.length; i++) {
      const c = carry.charCodeAt(i);
      if (c === 34) inQuotes = !inQuotes;
      else if (c === 10 && !inQuotes) cut = i;
    }
    if (cut < 0) {
      quoted = inQuotes;
      continue;
    }
    // Quote state after the cut, for the text carried over.
    quoted = inQuotes;
    const complete = carry.slice(0, cut + 1);
    carry = carry.slice(cut + 1);
    await take(complete);
  }
  if (carry.trim() !== '') await take(carry);
  if (header === undefined && sample.length > 0) decideHeader();
  if (header !== undefined && total === 0 && block.length === 0) {
    // A header without rows still names the columns.
    await onRows([...header], []);
    return { rows: 0 };
  }
  await flush();
  return { rows: total };
}

/** parseCsv's decoding (decodeText), a slice at a time: UTF-16 by BOM, UTF-8 when valid, else GB18030. */
async function* decodedSlices(source: CsvSource, sliceBytes: number): AsyncGenerator<string> {
  let encoding = 'utf-8';
  let start = 0;
  for await (const head of byteSlices(source, 2)) {
    if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) [encoding, start] = ['utf-16le', 2];
    else if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) [encoding, start] = ['utf-16be', 2];
    break;
  }
  // Which 8-bit encoding it is takes a pass over the whole file (decoding without keeping the text).
  if (start === 0 && !(await decodesAs(source, 'utf-8', sliceBytes))) encoding = (await decodesAs(source, 'gb18030', sliceBytes)) ? 'gb18030' : 'utf-8';
  const decoder = new TextDecoder(encoding);
  for await (const bytes of byteSlices(source, sliceBytes, start)) {
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

async function decodesAs(source: CsvSource, encoding: string, sliceBytes: number): Promise<boolean> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  try {
    for await (const bytes of byteSlices(source, sliceBytes)) decoder.decode(bytes, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/** The source's bytes from `start`, `sliceBytes` at a time; a slice is valid until the next is read. */
async function* byteSlices(source: CsvSource, sliceBytes: number, start = 0): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    for (let offset = start; offset < source.length; offset += sliceBytes) yield source.subarray(offset, Math.min(source.length, offset + sliceBytes));
    return;
  }
  const handle = await open(source.path, 'r');
  try {
    const buffer = Buffer.alloc(sliceBytes);
    for (let position = start; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, sliceBytes, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
