import type { DocumentLimits } from './document-limits';
import { htmlToMarkdown } from './html-to-markdown';
import { type XmlDocument, type XmlElement, type XmlNode, childElements, elements, NS, odfText, parseXml, readDcTitle } from './office-xml';
import type { ParsedDocument } from './parsed-document';
import { readZipEntries } from './zip-entries';

const STYLE_NS = 'urn:oasis:names:tc:opendocument:xmlns:style:1.0';

/** Paragraph styles that are headings in all but name, as the DOCX parser maps Title and Subtitle. */
const HEADING_STYLES: Readonly<Record<string, number>> = { Title: 1, Subtitle: 2 };

/** Generated indexes repeat the headings and captions they list. */
const SKIPPED_BLOCKS = new Set(['table-of-content', 'alphabetical-index', 'illustration-index', 'table-index', 'object-index', 'user-index', 'bibliography', 'sequence-decls', 'variable-decls', 'user-field-decls', 'tracked-changes']);

/**
 * OpenDocument text: `content.xml` becomes HTML (headings by outline level, paragraphs, lists,
 * tables) and then Markdown through the same converter as HTML and DOCX, so the chunker follows
 * its headings.
 */
export async function parseOdt(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
  const entries = await readZipEntries(bytes, limits.maxDecompressedBytes, 'ODT', (name) => name === 'content.xml' || name === 'meta.xml');
  const content = parseXml(entries.get('content.xml'), 'content.xml');
  const body = elements(content, NS.office, 'text')[0];
  if (!body) throw new Error('content.xml has no text body (is this a text document?)');
  const parents = automaticStyleParents(content);
  const markdown = htmlToMarkdown(`<html><body>${blocksHtml(body, parents)}</body></html>`);
  const title = /^# +(.+)$/m.exec(markdown)?.[1]?.trim() || readDcTitle(entries.get('meta.xml'));
  return { kind: 'text', title, markdown };
}

/** Automatic style name -> the named style it derives from (`P1` -> `Title`). */
function automaticStyleParents(content: XmlDocument): Map<string, string> {
  const parents = new Map<string, string>();
  for (const style of elements(content, STYLE_NS, 'style')) {
    const name = style.getAttributeNS(STYLE_NS, 'name');
    const parent = style.getAttributeNS(STYLE_NS, 'parent-style-name');
    if (name && parent) parents.set(name, parent);
  }
  return parents;
}

function blocksHtml(parent: XmlElement, parents: Map<string, string>): string {
  let html = '';
  for (const block of childElements(parent)) {
    if (block.namespaceURI === NS.text) {
      if (SKIPPED_BLOCKS.has(block.localName)) continue;
      if (block.localName === 'h') {
        const level = Math.min(Math.max(Number(block.getAttributeNS(NS.text, 'outline-level')) || 1, 1), 6);
        html += `<h${level}>${escapeHtml(odfText(block))}</h${level}>`;
      } else if (block.localName === 'p') {
        const style = block.getAttributeNS(NS.text, 'style-name') ?? '';
        const level = HEADING_STYLES[style] ?? HEADING_STYLES[parents.get(style) ?? ''];
        html += level ? `<h${level}>${escapeHtml(odfText(block))}</h${level}>` : `<p>${escapeHtml(odfText(block))}</p>`;
      } else if (block.localName === 'list') {
        const items = childElements(block).filter((item) => item.localName === 'list-item' || item.localName === 'list-header');
        html += `<ul>${items.map((item) => `<li>${listItemHtml(item, parents)}</li>`).join('')}</ul>`;
      } else {
        html += blocksHtml(block, parents); // text:section, text:index-body and other containers
      }
    } else if (block.namespaceURI === NS.table && block.localName === 'table') {
      html += tableHtml(block, parents);
    }
  }
  return html;
}

/** An item that is one paragraph stays inline, so the list stays tight (`- a` lines, no blank lines between). */
function listItemHtml(item: XmlElement, parents: Map<string, string>): string {
  const children = childElements(item);
  const only = children.length === 1 ? children[0] : undefined;
  if (only && only.namespaceURI === NS.text && only.localName === 'p') return escapeHtml(odfText(only));
  return blocksHtml(item, parents);
}

function tableHtml(table: XmlElement, parents: Map<string, string>): string {
  const rows = elements(table, NS.table, 'table-row').filter((row) => closestTable(row) === table);
  const body = rows
    .map((row) => {
      const cells = childElements(row).filter((cell) => cell.namespaceURI === NS.table && cell.localName === 'table-cell');
      return `<tr>${cells.map((cell) => `<td>${blocksHtml(cell, parents)}</td>`).join('')}</tr>`;
    })
    .join('');
  return `<table>${body}</table>`;
}

/** The table a row belongs to (a nested table's rows are its own). */
function closestTable(row: XmlElement): XmlElement | undefined {
  for (let node = row.parentNode; node; node = node.parentNode) {
    if (node.nodeType === 1 && (node as XmlElement).namespaceURI === NS.table && (node as XmlElement).localName === 'table') return node as XmlElement;
  }
  return undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}
