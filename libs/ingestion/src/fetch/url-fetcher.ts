import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { Agent, fetch } from 'undici';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { checkFetchTarget, Resolve, systemResolve } from './url-guard';

export interface FetchedDocument {
  bytes: Buffer;
  contentType: string | undefined;
}

export interface FetchOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
  /** How host names are resolved (tests script it); each hop is resolved exactly once. */
  resolve?: Resolve;
}

const MAX_REDIRECTS = 5;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * An HTTP agent that connects only to addresses the guard checked: its DNS lookup answers from
 * `pinned` (host -> checked addresses) and refuses any other host. TLS still verifies the
 * certificate against the URL's host name.
 */
function pinnedAgent(pinned: Map<string, string[]>): Agent {
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const addresses = pinned.get(hostname);
    if (!addresses) {
      callback(Object.assign(new Error(`${hostname} was not checked before connecting`), { code: 'ENOTFOUND' }), []);
      return;
    }
    const entries = addresses.map((address) => ({ address, family: isIP(address) }));
    if (options.all) callback(null, entries);
    else callback(null, entries[0].address, entries[0].family);
  };
  return new Agent({ connect: { lookup: lookup as never } });
}

/**
 * Downloads a document for doc/add with add_type url. Every hop (the URL and each redirect) is
 * resolved once, checked by the guard, and connected to at exactly the checked addresses. The body
 * is read with a byte cap so a huge response cannot exhaust memory. Failures a retry cannot fix
 * (4xx, too large, refused address) are permanent.
 */
export async function fetchDocument(rawUrl: string, options: FetchOptions): Promise<FetchedDocument> {
  const pinned = new Map<string, string[]>();
  const agent = pinnedAgent(pinned);
  try {
    let target = rawUrl;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let url: URL;
      try {
        const checked = await checkFetchTarget(target, options.allowPrivate, options.resolve ?? systemResolve);
        pinned.set(checked.host, checked.addresses);
        url = checked.url;
      } catch (error) {
        throw new PermanentError(FailedCode.FetchFailed, (error as Error).message);
      }
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(options.timeoutMs), dispatcher: agent });
      if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
        await response.body?.cancel();
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
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}
