/**
 * The slice of the DOM read here. xmldom's own typings pull the browser DOM library into the whole
 * program, so it is loaded untyped and described by these.
 */
export interface XmlNode {
  nodeType: number;
  nodeValue: string | null;
  parentNode: XmlNode | null;
  childNodes: ArrayLike<XmlNode>;
  textContent: string | null;
}

export interface XmlElement extends XmlNode {
  namespaceURI: string | null;
  localName: string;
  getAttribute(name: string): string | null;
  getAttributeNS(namespace: string, localName: string): string | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

export interface XmlDocument extends XmlNode {
  documentElement: XmlElement | null;
  getElementsByTagNameNS(namespace: string, localName: string): ArrayLike<XmlElement>;
}

interface ErrorHandler {
  warning(message: string): void;
  error(message: string): void;
  fatalError(message: string): void;
}

const { DOMParser } = require('@xmldom/xmldom') as {
  DOMParser: new (options: { errorHandler: ErrorHandler }) => { parseFromString(xml: string, mimeType: string): XmlDocument };
};

/** Namespaces of the OOXML (pptx) and OpenDocument (odp, odt) parts read here. */
export const NS = {
  a: 'http://schemas.openxmlformats.org/drawingml/2006/main',
  p: 'http://schemas.openxmlformats.org/presentationml/2006/main',
  r: 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
  rel: 'http://schemas.openxmlformats.org/package/2006/relationships',
  dc: 'http://purl.org/dc/elements/1.1/',
  office: 'urn:oasis:names:tc:opendocument:xmlns:office:1.0',
  draw: 'urn:oasis:names:tc:opendocument:xmlns:drawing:1.0',
  presentation: 'urn:oasis:names:tc:opendocument:xmlns:presentation:1.0',
  text: 'urn:oasis:names:tc:opendocument:xmlns:text:1.0',
  table: 'urn:oasis:names:tc:opendocument:xmlns:table:1.0',
} as const;

/**
 * An XML part as a DOM (xmldom never fetches external entities or DTDs). Malformed XML is an
 * error naming the part, not a half-read document.
 */
export function parseXml(xml: Buffer | undefined, part: string): XmlDocument {
  if (!xml) throw new Error(`${part} is missing`);
  let problem: string | undefined;
  const document = new DOMParser({
    errorHandler: {
      warning: () => undefined,
      error: (message: string) => (problem ??= message),
      fatalError: (message: string) => (problem ??= message),
    },
  }).parseFromString(xml.toString('utf8'), 'application/xml');
  if (problem !== undefined || !document.documentElement) {
    throw new Error(`${part} is not well-formed XML${problem ? ` (${firstLine(problem)})` : ''}`);
  }
  return document;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0].replace(/^\[xmldom [a-z]+\]\s*/i, '').trim();
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Elements of a namespace and local name under `root`, in document order. */
export function elements(root: XmlDocument | XmlElement, namespace: string, localName: string): XmlElement[] {
  return Array.from(root.getElementsByTagNameNS(namespace, localName));
}

export function childElements(parent: XmlElement): XmlElement[] {
  return Array.from(parent.childNodes).filter((node): node is XmlElement => node.nodeType === 1);
}

/** The nearest ancestor (or self) with this namespace and local name. */
export function closest(node: XmlElement, namespace: string, localName: string): XmlElement | undefined {
  for (let current: XmlNode | null = node; current; current = current.parentNode) {
    if (current.nodeType === 1 && (current as XmlElement).namespaceURI === namespace && (current as XmlElement).localName === localName) {
      return current as XmlElement;
    }
  }
  return undefined;
}

/** Dublin Core title of an OOXML `docProps/core.xml` or an OpenDocument `meta.xml`. */
export function readDcTitle(xml: Buffer | undefined): string | undefined {
  if (!xml) return undefined;
  try {
    const title = elements(parseXml(xml, 'metadata'), NS.dc, 'title')[0]?.textContent?.trim();
    return title || undefined;
  } catch {
    return undefined; // Metadata is optional; a damaged part must not fail the document.
  }
}

/**
 * OpenDocument paragraph text: spans and links inline, `text:s` as its count of spaces, tabs and
 * line breaks as such; notes, annotations and frames anchored in the paragraph are left out (they
 * are read where they stand, or not at all).
 */
export function odfText(node: XmlNode): string {
  let out = '';
  for (const child of Array.from(node.childNodes)) {
    if (child.nodeType === 3 || child.nodeType === 4) {
      out += child.nodeValue ?? '';
      continue;
    }
    if (child.nodeType !== 1) continue;
    const element = child as XmlElement;
    if (element.namespaceURI === NS.text) {
      if (element.localName === 's') out += ' '.repeat(Math.min(Number(element.getAttributeNS(NS.text, 'c')) || 1, 100));
      else if (element.localName === 'tab') out += '\t';
      else if (element.localName === 'line-break') out += '\n';
      else if (element.localName === 'note') continue;
      else out += odfText(element);
    } else if (element.namespaceURI === NS.office && element.localName === 'annotation') {
      continue;
    } else if (element.namespaceURI !== NS.draw) {
      out += odfText(element);
    }
  }
  return out;
}

/** `text:p` and `text:h` elements under `root` in document order, including those in text boxes inside paragraphs. */
export function odfParagraphs(root: XmlElement): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (node: XmlElement): void => {
    for (const child of childElements(node)) {
      if (child.namespaceURI === NS.text && (child.localName === 'p' || child.localName === 'h')) found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}
