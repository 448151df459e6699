import * as path from 'node:path';
import yauzl from 'yauzl';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import { parseHtml } from './html.parser';
import type { DocumentPart, ParsedDocument } from './parsed-document';
import { assertZipWithinLimit } from './zip-guard';

/** The part of linkedom's XML DOM we read (the project compiles without the DOM lib). */
interface XmlElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
}
interface XmlDocument {
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
}
// See html.parser.ts for why linkedom is required rather than imported.
const { DOMParser } = require('linkedom') as { DOMParser: new () => { parseFromString(xml: string, type: string): XmlDocument } };

/** The only entries we read: package documents, tables of contents and chapters (never images or fonts). */
const TEXT_ENTRY = /\.(xml|opf|ncx|xhtml|html|htm)$/i;
const CHAPTER_TYPES = new Set(['application/xhtml+xml', 'text/html']);

/**
 * An EPUB (2 or 3) as one part per chapter, in the reading order of the package's spine. Each
 * chapter is HTML and goes through the HTML parser; its title is its entry in the book's table of
 * contents (EPUB 3 nav or EPUB 2 NCX), else its own heading. The zip is checked against
 * MAX_DECOMPRESSED_BYTES from its directory before anything is inflated.
 */
export async function parseEpub(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
  await assertZipWithinLimit(bytes, limits.maxDecompressedBytes, 'EPUB');
  const entries = await readTextEntries(bytes);

  const container = entries.get('META-INF/container.xml');
  if (!container) throw corrupt('META-INF/container.xml is missing');
  const packagePath = xml(container).getElementsByTagName('rootfile')[0]?.getAttribute('full-path');
  const packageBytes = packagePath ? entries.get(packagePath) : undefined;
  if (!packagePath || !packageBytes) throw corrupt('its package document (.opf) is missing');
  const opf = xml(packageBytes);
  const base = path.posix.dirname(packagePath);

  const manifest = new Map<string, { path: string; type: string; properties: string }>();
  for (const item of Array.from(opf.getElementsByTagName('item'))) {
    const id = item.getAttribute('id');
    const href = item.getAttribute('href');
    if (!id || !href) continue;
    manifest.set(id, { path: resolve(base, href), type: item.getAttribute('media-type') ?? '', properties: item.getAttribute('properties') ?? '' });
  }
  const spine = opf.getElementsByTagName('spine')[0];
  const navItem = Array.from(manifest.values()).find((item) => item.properties.split(/\s+/).includes('nav'));
  const ncxItem = manifest.get(spine?.getAttribute('toc') ?? '');
  const titles = tableOfContents(entries, navItem?.path, ncxItem?.path);

  const chapters = Array.from(spine?.getElementsByTagName('itemref') ?? [])
    .map((ref) => manifest.get(ref.getAttribute('idref') ?? ''))
    .filter((item): item is NonNullable<typeof item> => item !== undefined && CHAPTER_TYPES.has(item.type) && item.path !== navItem?.path);
  if (chapters.length > limits.maxPages) {
    throw new PermanentError(FailedCode.TooLarge, `EPUB has ${chapters.length} chapters; at most ${limits.maxPages} are accepted (MAX_DOCUMENT_PAGES)`);
  }

  const parts: DocumentPart[] = [];
  for (const [index, chapter] of chapters.entries()) {
    const html = entries.get(chapter.path);
    if (!html) continue; // Listed in the manifest but not in the zip: nothing to read.
    const document = parseHtml(html);
    const ownHeading = document.kind === 'text' ? /^#{1,6} +(.+)$/m.exec(document.markdown)?.[1]?.trim() : undefined;
    const title = titles.get(chapter.path) ?? (ownHeading || document.title || `Chapter ${index + 1}`);
    parts.push({ title, document: { ...document, title: undefined } as ParsedDocument });
  }
  const bookTitle = opf.getElementsByTagName('dc:title')[0]?.textContent?.trim();
  return { kind: 'parts', title: bookTitle || undefined, parts };
}

/** Chapter path -> title, from the EPUB 3 nav document or else the EPUB 2 NCX. The first entry for a file wins. */
function tableOfContents(entries: Map<string, Buffer>, navPath: string | undefined, ncxPath: string | undefined): Map<string, string> {
  const titles = new Map<string, string>();
  const add = (base: string, href: string | null, label: string | null | undefined): void => {
    const text = label?.replace(/\s+/g, ' ').trim();
    if (!href || !text) return;
    const target = resolve(base, href.split('#')[0]);
    if (!titles.has(target)) titles.set(target, text);
  };
  const nav = navPath ? entries.get(navPath) : undefined;
  if (nav && navPath) {
    const document = xml(nav);
    const tocNav = Array.from(document.getElementsByTagName('nav')).find((element) => element.getAttribute('epub:type') === 'toc');
    for (const link of Array.from(tocNav?.getElementsByTagName('a') ?? [])) add(path.posix.dirname(navPath), link.getAttribute('href'), link.textContent);
  }
  const ncx = ncxPath ? entries.get(ncxPath) : undefined;
  if (titles.size === 0 && ncx && ncxPath) {
    for (const point of Array.from(xml(ncx).getElementsByTagName('navPoint'))) {
      const label = point.getElementsByTagName('text')[0]?.textContent;
      add(path.posix.dirname(ncxPath), point.getElementsByTagName('content')[0]?.getAttribute('src') ?? null, label);
    }
  }
  return titles;
}

/** Entry name -> bytes for the text entries; sizes were checked against the limit before. */
async function readTextEntries(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolvePromise, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zipFile) => (error ? reject(error) : resolvePromise(zipFile))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolvePromise, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entry.fileName.endsWith('/') || !TEXT_ENTRY.test(entry.fileName)) {
        zip.readEntry();
        return;
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.on('end', () => resolvePromise());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

function xml(bytes: Buffer): XmlDocument {
  return new DOMParser().parseFromString(bytes.toString('utf8'), 'text/xml');
}

/** A manifest or TOC link (relative to its own file, maybe %-encoded) -> the zip entry name. */
function resolve(base: string, href: string): string {
  let decoded = href;
  try {
    decoded = decodeURIComponent(href);
  } catch {
    // A stray % is a literal character in the file name.
  }
  return path.posix.normalize(path.posix.join(base, decoded)).replace(/^\.\//, '');
}

function corrupt(why: string): PermanentError {
  return new PermanentError(FailedCode.Corrupt, `EPUB could not be read: ${why}`);
}
