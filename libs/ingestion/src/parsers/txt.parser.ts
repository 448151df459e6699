import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

/**
 * Plain text stays plain: a line such as `# comment` is text, not a heading. The chunker finds
 * sections only in text that is clearly sectioned (numbered or chapter headings).
 */
export function parseTxt(bytes: Buffer): ParsedDocument {
  if (looksBinary(bytes)) {
    throw new PermanentError(FailedCode.Unsupported, 'the file is binary, not text; upload it with its real doc_type');
  }
  return { kind: 'plain', pages: [decodeText(bytes)], paged: false };
}

/**
 * A share of NUL, control and undecodable bytes no text file has (UTF-16 is read by its byte-order
 * mark, GB18030 by trying it): an image, archive or executable sent as `txt`.
 */
export function looksBinary(bytes: Buffer): boolean {
  const sample = bytes.subarray(0, 64 * 1024);
  const utf16 = sample.length >= 2 && ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff));
  if (utf16) return false;
  const text = new TextDecoder('utf-8').decode(sample);
  let suspicious = 0;
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    if (code === 0xfffd || (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c)) suspicious++;
  }
  // GB18030 text is not valid UTF-8 either, so replacement characters alone are not enough.
  if (suspicious / Math.max(1, text.length) < 0.1) return false;
  try {
    new TextDecoder('gb18030', { fatal: true }).decode(sample.subarray(0, Math.max(0, sample.length - 4)));
    return false;
  } catch {
    return true;
  }
}
