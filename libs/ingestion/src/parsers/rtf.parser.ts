import iconv from 'iconv-lite';
import { Tokenize } from 'rtf-stream-parser';
// The library's plain-text converter is built but not re-exported from its index; we extend it
// (the rtf-parser spec pins its behaviour) rather than re-implement RTF's codepages, fonts and \uN skips.
import { ToPlainText } from 'rtf-stream-parser/dist/src/ToPlainText';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { ParsedDocument } from './parsed-document';

/** Destinations whose text is never the document's: metadata, pictures, embedded objects, headers and footers, field codes. */
const HIDDEN_DESTINATIONS = [
  'info',
  'pict',
  'shppict',
  'nonshppict',
  'object',
  'objdata',
  'fldinst',
  'header',
  'headerl',
  'headerr',
  'headerf',
  'footer',
  'footerl',
  'footerr',
  'footerf',
  'listtable',
  'listoverridetable',
  'revtbl',
  'rsidtbl',
  'themedata',
  'colorschememapping',
  'datastore',
  'latentstyles',
  'xmlnstbl',
  'filetbl',
  'stylesheet',
];

/**
 * Deeper than any real document; the converter's group state grows per level, so a hostile file of
 * 50,000 nested destinations takes minutes. Refused before tokenizing.
 */
const MAX_GROUP_DEPTH = 1_000;

interface TextState {
  _state: { allDestinations?: Record<string, boolean> };
  _pushOutput(data: string | Buffer): void;
}

/** Hides the destinations above and keeps table cells apart (the stock converter runs them together). */
const FJORD_TEXT_FEATURE = {
  outputDataFilter: (state: TextState): true | undefined => {
    const destinations = state._state.allDestinations;
    return destinations && HIDDEN_DESTINATIONS.some((name) => destinations[name]) ? true : undefined;
  },
  controlHandlers: {
    cell: (state: TextState) => state._pushOutput('\t'),
    nestcell: (state: TextState) => state._pushOutput('\t'),
    row: (state: TextState) => state._pushOutput('\n'),
    nestrow: (state: TextState) => state._pushOutput('\n'),
    page: (state: TextState) => state._pushOutput('\n'),
    sect: (state: TextState) => state._pushOutput('\n'),
  },
};

class RtfToText extends ToPlainText {
  constructor() {
    super({ decode: (data: Buffer, encoding: string) => iconv.decode(data, encoding), warn: () => undefined });
    (this._featureHandlers as unknown[]).push(FJORD_TEXT_FEATURE);
  }
}

/** RTF -> plain text, synchronously (the library's classes are streams; we drive them by hand). */
export function rtfToText(rtf: Buffer): string {
  if (!rtf.subarray(0, 32).toString('latin1').trimStart().startsWith('{\\rtf')) {
    throw new PermanentError(FailedCode.Corrupt, 'RTF could not be read: the file does not start with {\\rtf');
  }
  if (groupDepth(rtf) > MAX_GROUP_DEPTH) {
    throw new PermanentError(FailedCode.Corrupt, `RTF could not be read: groups are nested more than ${MAX_GROUP_DEPTH} deep`);
  }
  const throwIfError = (error?: unknown): void => {
    if (error) throw error;
  };
  const tokenizer = new Tokenize();
  const converter = new RtfToText();
  const pieces: string[] = [];
  tokenizer.push = (token: unknown) => {
    converter._transform(token as never, '', throwIfError);
    return true;
  };
  converter.push = (piece: unknown) => {
    pieces.push(String(piece));
    return true;
  };
  tokenizer._transform(rtf, undefined, throwIfError);
  tokenizer._flush(throwIfError);
  converter._flush(throwIfError);
  return pieces.join('');
}

/** The deepest `{` nesting, from a scan of the bytes (`\{` and `\}` are literal braces). */
function groupDepth(rtf: Buffer): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < rtf.length; i++) {
    const byte = rtf[i];
    if (byte === 0x5c) i++; // backslash: the next byte is escaped or starts a control word
    else if (byte === 0x7b && ++depth > deepest) deepest = depth;
    else if (byte === 0x7d && depth > 0) depth--;
  }
  return deepest;
}

/** RTF is a word processor's format but carries no reliable heading structure, so its text stays plain. */
export function parseRtf(bytes: Buffer): ParsedDocument {
  return { kind: 'plain', pages: [rtfToText(bytes)], paged: false };
}
