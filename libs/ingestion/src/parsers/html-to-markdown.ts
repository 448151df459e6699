import TurndownService from 'turndown';

/**
 * HTML -> Markdown for the HTML and DOCX parsers. Markdown (not plain text) because the chunker
 * splits on `#` headings and keeps the heading path as the chunk title.
 *
 * Differences from turndown's defaults, all for retrieval rather than for round-tripping:
 * - ATX headings (`## x`): setext underlines are easy to mistake for horizontal rules.
 * - Tables become pipe tables (turndown core would emit one paragraph per cell, losing columns).
 * - Images become their alt text: DOCX images arrive as data URIs that would flood a chunk.
 * - Links keep their URL only when it is absolute http(s); relative and script links are noise.
 * - List items as `- item` (turndown pads markers to four columns, which costs tokens).
 * - No Markdown escaping except a `#` opening a line, which would otherwise read as a heading:
 *   backslashes in `snake\_case` cost tokens and hurt lexical matching.
 */
let service: TurndownService | undefined;

export function htmlToMarkdown(html: string): string {
  service ??= createService();
  return service.turndown(html);
}

/** The few DOM members the table rules read; turndown hands us its own (domino) nodes. */
interface DomNode {
  nodeName: string;
  nodeType: number;
  parentNode: DomNode | null;
  previousSibling: DomNode | null;
  nextSibling: DomNode | null;
  childNodes: ArrayLike<DomNode>;
  getAttribute(name: string): string | null;
}

const ELEMENT_NODE = 1;

function createService(): TurndownService {
  const turndown = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
    emDelimiter: '*',
    strongDelimiter: '**',
  });
  turndown.escape = (text: string): string => text.replace(/^(\s*)(#{1,6}(?:\s|$))/gm, '$1\\$2');
  turndown.remove(['script', 'style', 'noscript', 'template', 'iframe', 'svg', 'canvas', 'head']);

  turndown.addRule('imageAltText', {
    filter: 'img',
    replacement: (_content, node) => {
      const alt = (node as unknown as DomNode).getAttribute('alt')?.trim();
      return alt ?? '';
    },
  });
  turndown.addRule('link', {
    filter: 'a',
    replacement: (content, node) => {
      const href = (node as unknown as DomNode).getAttribute('href')?.trim() ?? '';
      const text = content.trim();
      if (!/^https?:\/\//i.test(href) || text === '' || text === href) return content;
      return `[${text}](${href})`;
    },
  });
  turndown.addRule('listItem', {
    filter: 'li',
    replacement: (content, node) => {
      const item = node as unknown as DomNode;
      const list = item.parentNode;
      let prefix = '- ';
      if (list?.nodeName === 'OL') {
        const start = Number(list.getAttribute('start') ?? '1');
        prefix = `${(Number.isFinite(start) ? start : 1) + elementChildren(list).indexOf(item)}. `;
      }
      const body = content.replace(/^\n+/, '').replace(/\n+$/, '\n').replace(/\n/gm, `\n${' '.repeat(prefix.length)}`);
      return prefix + body + (item.nextSibling && !body.endsWith('\n') ? '\n' : '');
    },
  });
  turndown.addRule('tableCell', {
    filter: ['th', 'td'],
    replacement: (content, node) => {
      const cell = content.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
      return (isFirstElementChild(node as unknown as DomNode) ? '| ' : ' ') + cell + ' |';
    },
  });
  turndown.addRule('tableRow', {
    filter: 'tr',
    replacement: (content, node) => {
      const row = node as unknown as DomNode;
      if (!isFirstRowOfTable(row)) return `\n${content}`;
      // Markdown tables need a header; the first row is the best guess even without <th>.
      return `\n${content}\n|${' --- |'.repeat(countCells(row))}`;
    },
  });
  turndown.addRule('tableSection', { filter: ['thead', 'tbody', 'tfoot'], replacement: (content) => content });
  turndown.addRule('table', {
    filter: 'table',
    replacement: (content) => `\n\n${content.replace(/\n+/g, '\n').trim()}\n\n`,
  });
  return turndown;
}

function elementChildren(node: DomNode): DomNode[] {
  return Array.from(node.childNodes).filter((child) => child.nodeType === ELEMENT_NODE);
}

function isFirstElementChild(node: DomNode): boolean {
  for (let sibling = node.previousSibling; sibling; sibling = sibling.previousSibling) {
    if (sibling.nodeType === ELEMENT_NODE) return false;
  }
  return true;
}

function isFirstRowOfTable(row: DomNode): boolean {
  let table = row.parentNode;
  while (table && table.nodeName !== 'TABLE') table = table.parentNode;
  return table !== null && firstRow(table) === row;
}

function firstRow(table: DomNode): DomNode | undefined {
  for (const child of elementChildren(table)) {
    if (child.nodeName === 'TR') return child;
    if (child.nodeName === 'THEAD' || child.nodeName === 'TBODY' || child.nodeName === 'TFOOT') {
      const row = elementChildren(child).find((grandchild) => grandchild.nodeName === 'TR');
      if (row) return row;
    }
  }
  return undefined;
}

function countCells(row: DomNode): number {
  return Math.max(1, elementChildren(row).filter((cell) => cell.nodeName === 'TH' || cell.nodeName === 'TD').length);
}
