import { isProbablyReaderable, Readability } from '@mozilla/readability';
import { htmlToMarkdown } from './html-to-markdown';
import type { ParsedDocument } from './parsed-document';
import { decodeText } from './text-decoding';

/** The part of linkedom's DOM we read (the project compiles without the DOM lib). */
interface HtmlDocument {
  title: string;
  body: { innerHTML: string } | null;
  querySelector(selector: string): { textContent: string | null } | null;
}

// linkedom ships a CommonJS build but only ES-module typings, which TypeScript refuses to import
// from a CommonJS file (TS1479); a plain require with the shape above avoids that.
const { parseHTML } = require('linkedom') as { parseHTML(html: string): { document: HtmlDocument } };

type ReadabilityDocument = ConstructorParameters<typeof Readability>[0];

/**
 * A page that looks like an article (Readability's own check) is reduced to its main content,
 * which drops navigation, cookie banners and footers. Anything else keeps the whole body:
 * Readability on a short help page or a table-only page tends to throw real content away.
 */
export function parseHtml(bytes: Buffer): ParsedDocument {
  const html = decodeHtml(bytes);
  const document = parseHTML(asFullDocument(html)).document;
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
