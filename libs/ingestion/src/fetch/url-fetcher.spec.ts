import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { DomainError, PermanentError } from '@fjord/common';
import { fetchDocument } from './url-fetcher';
import { checkFetchTarget, isPublicAddress, Resolve } from './url-guard';

/** A resolver that answers each host from a script, one answer per call, and counts the calls. */
function scriptedResolver(script: Record<string, string[][]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (host: string) => {
    calls.push(host);
    const answers = script[host];
    if (!answers?.length) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
    return answers.length > 1 ? (answers.shift() as string[]) : answers[0];
  };
  return Object.assign(resolve, { calls });
}

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '0.0.0.0',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '::1',
    '::',
    '::7f00:1', // [::127.0.0.1] as the URL parser writes it
    '::a00:1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:0:7f00:1',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::808:808',
    '2002:7f00:1::',
    '2002:a9fe:a9fe::1',
    '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo: client 127.0.0.1, stored inverted
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'fec0::1',
    'ff02::1',
    '2001:db8::1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('checkFetchTarget', () => {
  it.each(['http://[::127.0.0.1]/x', 'http://[::ffff:127.0.0.1]/x', 'http://[::ffff:7f00:1]/x', 'http://2130706433/x', 'http://0x7f.1/x', 'http://[fe80::1]/x', 'http://0/x'])(
    'refuses %s as a 400 naming the address',
    async (url) => {
      const refused = checkFetchTarget(url, false, scriptedResolver({}));
      await expect(refused).rejects.toBeInstanceOf(DomainError);
      await expect(refused).rejects.toThrow(/loopback, private or link-local/);
    },
  );

  it('refuses a name when any one of its addresses is private', async () => {
    await expect(checkFetchTarget('http://mixed.test/', false, scriptedResolver({ 'mixed.test': [['93.184.216.34', '10.0.0.7']] }))).rejects.toThrow(/10\.0\.0\.7/);
  });
});

describe('fetchDocument', () => {
  let server: Server;
  let port: number;
  let requests: string[];

  beforeAll(async () => {
    requests = [];
    server = createServer((req, res) => {
      requests.push(`${req.headers.host} ${req.url}`);
      if (req.url === '/hop') {
        res.writeHead(302, { location: `http://second.test:${port}/doc.txt` });
        res.end();
        return;
      }
      if (req.url === '/away') {
        res.writeHead(302, { location: `http://unknown.test:${port}/doc.txt` });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('fjord fetched this');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    requests.length = 0;
  });

  it('DNS rebinding: a name that answers public first and 127.0.0.1 second is connected at the public address it was checked at', async () => {
    const resolve = scriptedResolver({ 'rebind.test': [['93.184.216.34'], ['127.0.0.1']] });
    const fetched = fetchDocument(`http://rebind.test:${port}/doc.txt`, { allowPrivate: false, timeoutMs: 1500, maxBytes: 1024, resolve });
    // Nothing listens at that public address from here: the fetch fails, and never reaches 127.0.0.1.
    await expect(fetched).rejects.toThrow();
    expect(resolve.calls).toEqual(['rebind.test']);
    expect(requests).toEqual([]);
  });

  it('connects where its own resolver said, never through the system resolver', async () => {
    const resolve = scriptedResolver({ 'docs.test': [['127.0.0.1']] });
    const fetched = await fetchDocument(`http://docs.test:${port}/doc.txt`, { allowPrivate: true, timeoutMs: 5000, maxBytes: 1024, resolve });
    expect(fetched.bytes.toString()).toBe('fjord fetched this');
    expect(resolve.calls).toEqual(['docs.test']);
    expect(requests).toEqual([`docs.test:${port} /doc.txt`]);
  });

  it('resolves, checks and pins every redirect hop once', async () => {
    const resolve = scriptedResolver({ 'first.test': [['127.0.0.1']], 'second.test': [['127.0.0.1']] });
    const fetched = await fetchDocument(`http://first.test:${port}/hop`, { allowPrivate: true, timeoutMs: 5000, maxBytes: 1024, resolve });
    expect(fetched.bytes.toString()).toBe('fjord fetched this');
    expect(resolve.calls).toEqual(['first.test', 'second.test']);
    expect(requests).toEqual([`first.test:${port} /hop`, `second.test:${port} /doc.txt`]);
  });

  it('fails permanently when a redirect leads to a host that cannot be checked', async () => {
    const resolve = scriptedResolver({ 'first.test': [['127.0.0.1']] });
    const fetched = fetchDocument(`http://first.test:${port}/away`, { allowPrivate: true, timeoutMs: 5000, maxBytes: 1024, resolve });
    await expect(fetched).rejects.toBeInstanceOf(PermanentError);
    expect(requests).toEqual([`first.test:${port} /away`]);
  });

  it('refuses a literal loopback address in IPv6 form before connecting', async () => {
    const fetched = fetchDocument(`http://[::ffff:7f00:1]:${port}/doc.txt`, { allowPrivate: false, timeoutMs: 5000, maxBytes: 1024, resolve: scriptedResolver({}) });
    await expect(fetched).rejects.toThrow(/loopback, private or link-local/);
    expect(requests).toEqual([]);
  });
});
