import * as path from 'node:path';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import { type XmlDocument, type XmlElement, type XmlNode, childElements, closest, elements, NS, odfParagraphs, odfText, parseXml, readDcTitle } from './office-xml';
import type { ParsedDocument, ParsedSlide } from './parsed-document';
import { readZipEntries } from './zip-entries';

/** Placeholders that repeat on every slide (number, date, footer) and say nothing about it. */
const PPTX_SKIPPED_PLACEHOLDERS = new Set(['sldNum', 'dt', 'ftr', 'sldImg', 'hdr']);
const PPTX_TITLE_PLACEHOLDERS = new Set(['title', 'ctrTitle']);
const ODP_SKIPPED_CLASSES = new Set(['page-number', 'date-time', 'footer', 'header', 'page']);

/**
 * PowerPoint 2007+ decks: the slides in the order `ppt/presentation.xml` lists them, each slide's
 * title placeholder as its title, the text of its other shapes and tables in document order, and
 * the body of its notes page as speaker notes.
 */
export async function parsePptx(bytes: Buffer, limits: DocumentLimits, label = 'PPTX'): Promise<ParsedDocument> {
  const entries = await readZipEntries(bytes, limits.maxDecompressedBytes, label, (name) =>
    /^(ppt\/(presentation\.xml|_rels\/presentation\.xml\.rels|slides\/(_rels\/)?slide\d+\.xml(\.rels)?|notesSlides\/notesSlide\d+\.xml)|docProps\/core\.xml)$/.test(name),
  );
  if (!entries.has('ppt/presentation.xml')) {
    throw new PermanentError(FailedCode.Corrupt, `${label} could not be read: not a PowerPoint presentation (ppt/presentation.xml is missing)`);
  }
  const presentation = parseXml(entries.get('ppt/presentation.xml'), 'ppt/presentation.xml');
  const targets = relationships(entries, 'ppt/presentation.xml');
  const slidePaths = elements(presentation, NS.p, 'sldId')
    .map((slideId) => targets.get(slideId.getAttributeNS(NS.r, 'id') ?? '')?.target)
    .filter((target): target is string => target !== undefined);
  assertSlideCount(slidePaths.length, limits, label);

  const slides = slidePaths.map((slidePath, i): ParsedSlide => {
    const slide = parseXml(entries.get(slidePath), slidePath);
    const { title, text } = pptxShapesText(slide);
    const notesPath = [...relationships(entries, slidePath).values()].find((rel) => rel.type.endsWith('/notesSlide'))?.target;
    const notes = notesPath && entries.has(notesPath) ? pptxShapesText(parseXml(entries.get(notesPath), notesPath), 'body').text : undefined;
    return { number: i + 1, title, text, notes: notes || undefined };
  });
  return { kind: 'slides', title: readDcTitle(entries.get('docProps/core.xml')), slides };
}

/**
 * A slide's (or notes page's) paragraphs, grouped by shape: the title placeholder apart, the rest
 * in document order with a blank line between shapes. `onlyPlaceholder` keeps only the shapes of
 * that placeholder type (a notes page's `body`).
 */
function pptxShapesText(slide: XmlDocument, onlyPlaceholder?: string): { title?: string; text: string } {
  const titles: string[] = [];
  const blocks: string[][] = [];
  let currentShape: XmlElement | undefined;
  for (const paragraph of elements(slide, NS.a, 'p')) {
    const shape = closest(paragraph, NS.p, 'sp') ?? closest(paragraph, NS.p, 'graphicFrame');
    const placeholder = shape ? elements(shape, NS.p, 'ph')[0] : undefined;
    const type = placeholder ? placeholder.getAttribute('type') || 'body' : undefined;
    if (onlyPlaceholder !== undefined && type !== onlyPlaceholder) continue;
    if (type !== undefined && PPTX_SKIPPED_PLACEHOLDERS.has(type)) continue;
    const line = drawingParagraphText(paragraph).trim();
    if (line === '') continue;
    if (type !== undefined && PPTX_TITLE_PLACEHOLDERS.has(type)) {
      titles.push(line);
      continue;
    }
    if (shape !== currentShape || blocks.length === 0) blocks.push([]);
    currentShape = shape;
    blocks[blocks.length - 1].push(line);
  }
  return { title: titles.join(' ') || undefined, text: blocks.map((lines) => lines.join('\n')).join('\n\n') };
}

/** DrawingML paragraph: its runs and fields (`a:t`), and `a:br` line breaks. */
function drawingParagraphText(paragraph: XmlElement): string {
  let out = '';
  const walk = (node: XmlElement): void => {
    for (const child of childElements(node)) {
      if (child.namespaceURI === NS.a && child.localName === 't') out += child.textContent ?? '';
      else if (child.namespaceURI === NS.a && child.localName === 'br') out += '\n';
      else walk(child);
    }
  };
  walk(paragraph);
  return out;
}

/** A part's relationships by id, targets resolved to zip entry names. */
function relationships(entries: Map<string, Buffer>, part: string): Map<string, { type: string; target: string }> {
  const relsPath = path.posix.join(path.posix.dirname(part), '_rels', `${path.posix.basename(part)}.rels`);
  const result = new Map<string, { type: string; target: string }>();
  if (!entries.has(relsPath)) return result;
  for (const rel of elements(parseXml(entries.get(relsPath), relsPath), NS.rel, 'Relationship')) {
    const target = rel.getAttribute('Target') ?? '';
    if (rel.getAttribute('TargetMode') === 'External' || target === '') continue;
    const resolved = target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join(path.posix.dirname(part), target));
    result.set(rel.getAttribute('Id') ?? '', { type: rel.getAttribute('Type') ?? '', target: resolved });
  }
  return result;
}

/**
 * OpenDocument presentations: every `draw:page` is a slide; a frame of class `title` gives its
 * title, the other frames their text, and `presentation:notes` the speaker notes.
 */
export async function parseOdp(bytes: Buffer, limits: DocumentLimits): Promise<ParsedDocument> {
  const entries = await readZipEntries(bytes, limits.maxDecompressedBytes, 'ODP', (name) => name === 'content.xml' || name === 'meta.xml');
  const content = parseXml(entries.get('content.xml'), 'content.xml');
  const pages = elements(content, NS.draw, 'page');
  assertSlideCount(pages.length, limits, 'ODP');
  const slides = pages.map((page, i): ParsedSlide => {
    const titles: string[] = [];
    const blocks: string[][] = [];
    const notes: string[] = [];
    let currentFrame: XmlElement | undefined;
    for (const paragraph of odfParagraphs(page)) {
      const line = odfText(paragraph).trim();
      if (line === '') continue;
      if (closest(paragraph, NS.presentation, 'notes')) {
        notes.push(line);
        continue;
      }
      const frame = closest(paragraph, NS.draw, 'frame') ?? closest(paragraph, NS.draw, 'custom-shape');
      const kind = frame?.getAttributeNS(NS.presentation, 'class') ?? '';
      if (ODP_SKIPPED_CLASSES.has(kind)) continue;
      if (kind === 'title') {
        titles.push(line);
        continue;
      }
      if (frame !== currentFrame || blocks.length === 0) blocks.push([]);
      currentFrame = frame;
      blocks[blocks.length - 1].push(line);
    }
    return {
      number: i + 1,
      title: titles.join(' ') || undefined,
      text: blocks.map((lines) => lines.join('\n')).join('\n\n'),
      notes: notes.join('\n') || undefined,
    };
  });
  return { kind: 'slides', title: readDcTitle(entries.get('meta.xml')), slides };
}

function assertSlideCount(count: number, limits: DocumentLimits, label: string): void {
  if (count > limits.maxPages) {
    throw new PermanentError(FailedCode.TooLarge, `${label} has ${count} slides; at most ${limits.maxPages} are accepted (MAX_DOCUMENT_PAGES)`);
  }
}
