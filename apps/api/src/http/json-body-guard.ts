/**
 * Checks a JSON body's raw bytes before it is parsed, in one linear pass: no NUL character escaped
 * into a string (Postgres cannot store one in text or jsonb, so it would fail deep inside a write)
 * and no nesting past MAX_JSON_DEPTH (validating and walking such a value recurses once per level).
 * Raw control bytes inside strings need no check: JSON.parse refuses them.
 */
export const MAX_JSON_DEPTH = 64;

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const ZERO = 0x30;
const U = 0x75;

/** The reason the body is refused, or undefined when it may be parsed. */
export function malformedJsonReason(body: Buffer): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === QUOTE) inString = false;
      else if (byte === BACKSLASH) {
        if (body[i + 1] === U && body[i + 2] === ZERO && body[i + 3] === ZERO && body[i + 4] === ZERO && body[i + 5] === ZERO) {
          return 'JSON strings must not contain NUL characters (\\u0000)';
        }
        i++; // the escaped character cannot end the string
      }
    } else if (byte === QUOTE) inString = true;
    else if (byte === 0x7b || byte === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return undefined;
}

/** For body-parser's `verify`: a refused body becomes a 400 in the route family's envelope. */
export function verifyWellFormedJson(body: Buffer): void {
  const reason = malformedJsonReason(body);
  if (reason) throw Object.assign(new Error(`malformed JSON body: ${reason}`), { type: 'entity.malformed', status: 400 });
}
