/**
 * Bytes -> string for the plain-text formats. UTF-8 is the default; a file that is not valid UTF-8
 * is almost always a legacy Chinese export here, and GB18030 is a superset of GBK and GB2312.
 * Decoders are created per call: a fatal TextDecoder is cheap and holds state while decoding.
 */
export function decodeText(bytes: Uint8Array): string {
  if (hasPrefix(bytes, 0xff, 0xfe)) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (hasPrefix(bytes, 0xfe, 0xff)) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  // ignoreBOM: false (the default) makes the UTF-8 decoder drop a leading BOM itself.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8.
  }
  try {
    return new TextDecoder('gb18030', { fatal: true }).decode(bytes);
  } catch {
    // Neither: keep what UTF-8 can read rather than failing on a few bad bytes.
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function hasPrefix(bytes: Uint8Array, first: number, second: number): boolean {
  return bytes.length >= 2 && bytes[0] === first && bytes[1] === second;
}
