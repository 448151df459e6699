import { isProbablyReaderable, Readability } from '@mozilla/readability';
import { htmlToMarkdown } from './html-to-markdown';
import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

/** The part of linkedom's DOM we read (the project compiles without the DOM lib). */
interface HtmlElement {
  textContent: string | null;
  id: string;
  className: string;
  remove(): void;
}
interface HtmlDocument {
  title: string;
  body: { innerHTML: string } | null;
  querySelector(selector: string): HtmlElement | null;
  querySelectorAll(selector: string): ArrayLike<HtmlElement>;
}

// linkedom ships a CommonJS build but only ES-module typings, which TypeScript refuses to import
// from a CommonJS file (TS1479); a plain require with the shape above avoids that.
const { parseHTML } = require('linkedom') as { parseHTML(html: string): { document: HtmlDocument } };

/**
 * Deeper than any real page; DOM libraries recurse per level, so a hostile file nested 20,000 deep
 * overflows their stack or takes minutes. Such a file is read as text with its tags removed.
 */
const MAX_NESTING = 512;

/** Page furniture that is never the content: navigation, footers, cookie and consent banners. */
const BOILERPLATE_SELECTOR = 'nav, footer, aside, [role="navigation"], [role="contentinfo"], [role="banner"], [aria-modal="true"]';
const BANNER_NAME = /(^|[-_\s])(cookie|cookies|consent|gdpr|cc-banner|onetrust)([-_\s]|$)/i;

type ReadabilityDocument = ConstructorParameters<typeof Readability>[0];

/**
 * A page that looks like an article (Readability's own check) is reduced to its main content,
 * which drops navigation, cookie banners and footers. Anything else keeps the whole body:
 * Readability on a short help page or a table-only page tends to throw real content away.
 */
export function parseHtml(bytes: Buffer): ParsedDocument {
  const html = decodeHtml(bytes);
  if (nestingDepth(html) > MAX_NESTING) return { kind: 'text', markdown: textWithoutTags(html) };
  const document = parseHTML(asFullDocument(html)).document;
  removeBoilerplate(document);
  const h1 = normalizeSpace(document.querySelector('h1')?.textContent);
  const title = normalizeSpace(document.title) || h1;

  const article = readArticle(html, document);
  if (!article) {
    return { kind: 'text', title: title || undefined, markdown: htmlToMarkdown(document.body?.innerHTML ?? html) };
  }
  let markdown = htmlToMarkdown(article.content);
  // Readability removes the h1 that repeats the page title; put it back so chunk titles read
  // `Backups > Restoring` rather than a bare `Restoring`.
  const heading = h1 || article.title;
  if (heading && !/^# /m.test(markdown)) markdown = `# ${heading}\n\n${markdown}`;
  return { kind: 'text', title: title || article.title || undefined, markdown };
}

function readArticle(html: string, document: HtmlDocument): { title: string; content: string } | undefined {
  if (!isProbablyReaderable(document as unknown as ReadabilityDocument)) return undefined;
  // Readability rewrites the DOM it is given, so it works on a second copy.
  const copy = parseHTML(asFullDocument(html)).document;
  const article = new Readability(copy as unknown as ReadabilityDocument).parse();
  if (!article?.content || !article.textContent?.trim()) return undefined;
  return { title: normalizeSpace(article.title), content: article.content };
}

function removeBoilerplate(document: HtmlDocument): void {
  for (const element of Array.from(document.querySelectorAll(BOILERPLATE_SELECTOR))) element.remove();
  for (const element of Array.from(document.querySelectorAll('div, section, aside, dialog, p'))) {
    if (BANNER_NAME.test(element.id) || BANNER_NAME.test(String(element.className ?? ''))) element.remove();
  }
}

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** The deepest element nesting, from a scan of the tags (no DOM is built). */
function nestingDepth(html: string): number {
  let depth = 0;
  let deepest = 0;
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = match;
    if (VOID_ELEMENTS.has(name.toLowerCase()) || selfClosing) continue;
    depth = closing ? Math.max(0, depth - 1) : depth + 1;
    if (depth > deepest) deepest = depth;
  }
  return deepest;
}

/** Text of a page too deep for a DOM: scripts and styles dropped, block tags as line breaks, entities decoded. */
function textWithoutTags(html: string): string {
  const text = html
    .replace(/<(script|style|noscript|template)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<\/?(p|div|br|li|tr|h[1-6]|section|article|table|ul|ol)[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  // A flat fragment is safe to hand to the DOM, which decodes every entity.
  const flat = parseHTML(asFullDocument(`<pre>${text.replace(/</g, '&lt;')}</pre>`)).document;
  return (flat.querySelector('pre')?.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

/** linkedom only builds `<body>` for a full document; pasted fragments are common. */
function asFullDocument(html: string): string {
  return /<html[\s>]/i.test(html) ? html : `<!DOCTYPE html><html><head></head><body>${html}</body></html>`;
}

/**
 * Bytes that are valid UTF-8 are UTF-8 whatever the page declares (a stale `<meta charset>` is a
 * common mislabel, and legacy encodings almost never form valid UTF-8 by accident). Otherwise the
 * declared charset wins, then the plain-text fallback (GB18030).
 */
function decodeHtml(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Not UTF-8.
  }
  const head = bytes.subarray(0, 2048).toString('latin1');
  const declared = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1];
  if (declared) {
    try {
      return new TextDecoder(declared).decode(bytes);
    } catch {
      // A label TextDecoder does not know: fall through to detection.
    }
  }
  return decodeText(bytes);
}

function normalizeSpace(text: string | null | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}
