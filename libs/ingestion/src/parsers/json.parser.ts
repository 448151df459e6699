import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * JSON or JSON Lines. Each record (an element of a top-level array, or a line) is rendered as
 * `path: value` lines, nested keys joined with dots (`author.name`) and array items indexed
 * (`tags[0]`), so every value keeps its key for embedding and keyword search. Records are
 * separated by blank lines, which is where the chunker prefers to split.
 */
export function parseJson(bytes: Buffer): ParsedDocument {
  const records = readRecords(decodeText(bytes).trim());
  const markdown = records
    .map(renderRecord)
    .filter((text) => text !== '')
    .join('\n\n');
  return { kind: 'text', markdown };
}

function readRecords(text: string): Json[] {
  if (text === '') return [];
  let wholeError: unknown;
  try {
    const value = JSON.parse(text) as Json;
    return Array.isArray(value) ? value : [value];
  } catch (error) {
    wholeError = error;
  }
  const records: Json[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as Json);
    } catch (error) {
      // A broken first line means a broken JSON document, so its own error is the one to show.
      if (records.length === 0) throw wholeError;
      const reason = error instanceof Error ? error.message : String(error);
      throw new PermanentError(FailedCode.Corrupt, `JSON Lines could not be read: line ${index + 1}: ${reason}`);
    }
  }
  return records;
}

function renderRecord(record: Json): string {
  const lines: string[] = [];
  flatten(record, '', lines);
  return lines.join('\n');
}

function flatten(value: Json, path: string, out: string[]): void {
  if (value === null || value === '') return; // Nothing to index.
  if (Array.isArray(value)) {
    if (value.every((item) => item === null || typeof item !== 'object')) {
      const items = value.filter((item) => item !== null && item !== '').map(scalar);
      if (items.length > 0) out.push(labelled(path, items.join(', ')));
      return;
    }
    value.forEach((item, index) => flatten(item, `${path}[${index}]`, out));
    return;
  }
  if (typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) flatten(child, path === '' ? key : `${path}.${key}`, out);
    return;
  }
  out.push(labelled(path, scalar(value)));
}

function labelled(path: string, text: string): string {
  return path === '' ? text : `${path}: ${text}`;
}

function scalar(value: Json): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
