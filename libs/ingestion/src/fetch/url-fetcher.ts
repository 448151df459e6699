import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { assertFetchableUrl } from './url-guard';

export interface FetchedDocument {
  bytes: Buffer;
  contentType: string | undefined;
}

const MAX_REDIRECTS = 5;

/**
 * Downloads a document for doc/add with add_type url. Redirects are followed by hand so each hop is
 * checked by the guard; the body is read with a byte cap so a huge response cannot exhaust memory.
 * Failures a retry cannot fix (4xx, too large, refused address) are permanent.
 */
export async function fetchDocument(
  rawUrl: string,
  options: { allowPrivate: boolean; timeoutMs: number; maxBytes: number },
): Promise<FetchedDocument> {
  let target = rawUrl;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let url: URL;
    try {
      url = await assertFetchableUrl(target, options.allowPrivate);
    } catch (error) {
      throw new PermanentError(FailedCode.FetchFailed, (error as Error).message);
    }
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs) });
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      target = new URL(response.headers.get('location') as string, url).toString();
      continue;
    }
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      throw new PermanentError(FailedCode.FetchFailed, `fetching ${url.host} returned HTTP ${response.status}`);
    }
    if (!response.ok) throw new Error(`fetching ${url.host} returned HTTP ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > options.maxBytes) {
      throw new PermanentError(FailedCode.TooLarge, `document at ${url.host} is ${declared} bytes; the limit is ${options.maxBytes}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += (chunk as Uint8Array).length;
      if (size > options.maxBytes) throw new PermanentError(FailedCode.TooLarge, `document at ${url.host} exceeds the ${options.maxBytes}-byte limit`);
      chunks.push(Buffer.from(chunk as Uint8Array));
    }
    return { bytes: Buffer.concat(chunks), contentType: response.headers.get('content-type') ?? undefined };
  }
  throw new PermanentError(FailedCode.FetchFailed, `more than ${MAX_REDIRECTS} redirects`);
}
