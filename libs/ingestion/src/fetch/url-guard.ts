import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { DomainError } from '@fjord/common';

/** Every address a host name resolves to; the seam tests replace with a scripted resolver. */
export type Resolve = (host: string) => Promise<string[]>;

export const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** A URL that passed the guard, and the addresses it was checked at: the only ones to connect to. */
export interface CheckedTarget {
  url: URL;
  /** The host as the connection looks it up (no IPv6 brackets). */
  host: string;
  addresses: string[];
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach an IPv4 host: mapped and
 * translated (::ffff:a.b.c.d, ::ffff:0:a.b.c.d), the deprecated compatible form (::a.b.c.d, which
 * is how `[::127.0.0.1]` normalises), NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo (2001::/32,
 * the client address inverted).
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const bytes = address.toByteArray();
  const at = (offset: number, invert = false) => new ipaddr.IPv4(bytes.slice(offset, offset + 4).map((b) => (invert ? b ^ 0xff : b)));
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return at(12);
    case '6to4':
      return at(2);
    case 'teredo':
      return at(12, true);
  }
  if (bytes.slice(0, 12).every((b) => b === 0)) return at(12);
  return undefined;
}

/** Only the public internet: whatever ipaddr.js does not call "unicast" is refused, in every IPv6 form. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  // 64:ff9b:1::/48 is a network's own translator (RFC 8215): its far side is not known to be public.
  if (v6.parts[0] === 0x64 && v6.parts[1] === 0xff9b && v6.parts[2] === 1) return false;
  const v4 = embeddedIPv4(v6);
  if (v4) return v4.range() === 'unicast';
  return v6.range() === 'unicast';
}

function parseFetchableUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw DomainError.invalid(`url is not a valid URL: ${raw.slice(0, 200)}`, 'url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw DomainError.invalid('url must be http or https', 'url');
  if (url.username || url.password) throw DomainError.invalid('url must not contain credentials', 'url');
  return url;
}

/**
 * Checks a URL a client asked us to fetch: http(s) only, resolved once, and unless allowPrivate,
 * every address must be public (no loopback, private, link-local, metadata or reserved ranges,
 * written in any IPv4 or IPv6 form). The fetcher then connects only to these addresses, so a name
 * that answers differently the second time (DNS rebinding) gains nothing.
 */
export async function checkFetchTarget(raw: string, allowPrivate: boolean, resolve: Resolve = systemResolve): Promise<CheckedTarget> {
  const url = parseFetchableUrl(raw);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (ipaddr.isValid(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw DomainError.invalid(`url host ${host} could not be resolved`, 'url');
    }
    if (addresses.length === 0) throw DomainError.invalid(`url host ${host} could not be resolved`, 'url');
  }
  const refused = allowPrivate ? undefined : addresses.find((address) => !isPublicAddress(address));
  if (refused) {
    throw DomainError.invalid(
      `url host ${host} resolves to ${refused}, a loopback, private or link-local address; set URL_FETCH_ALLOW_PRIVATE=true to allow it`,
      'url',
    );
  }
  return { url, host, addresses };
}

/** The request-time check (the worker checks again, and pins, when it fetches). */
export async function assertFetchableUrl(raw: string, allowPrivate: boolean, resolve: Resolve = systemResolve): Promise<URL> {
  return (await checkFetchTarget(raw, allowPrivate, resolve)).url;
}
