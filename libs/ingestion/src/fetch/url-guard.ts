import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { DomainError } from '@fjord/common';

/** Only the public internet: every range ipaddr.js does not call "unicast" is refused. */
function isPublicAddress(address: string): boolean {
  const parsed = ipaddr.process(address);
  return parsed.range() === 'unicast';
}

/**
 * Checks a URL a client asked us to fetch: http(s) only, and unless allowPrivate, every address its
 * host resolves to must be public (no loopback, private, link-local, metadata or reserved ranges).
 * Returns the URL. Runs again at fetch time, so DNS changing in between does not help an attacker.
 */
export async function assertFetchableUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw DomainError.invalid(`url is not a valid URL: ${raw.slice(0, 200)}`, 'url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw DomainError.invalid('url must be http or https', 'url');
  if (url.username || url.password) throw DomainError.invalid('url must not contain credentials', 'url');
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      throw DomainError.invalid(`url host ${host} could not be resolved`, 'url');
    }
  }
  const refused = addresses.find((address) => !isPublicAddress(address));
  if (refused) {
    throw DomainError.invalid(
      `url host ${host} resolves to ${refused}, a loopback, private or link-local address; set URL_FETCH_ALLOW_PRIVATE=true to allow it`,
      'url',
    );
  }
  return url;
}
