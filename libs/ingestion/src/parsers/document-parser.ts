import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import { parseCsv } from './csv.parser';
import { type DocType, docTypeFromFileName, isImageDocType, isSupportedDocType, SUPPORTED_DOC_TYPES } from './doc-type';
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from './document-limits';
import { parseDocx } from './docx.parser';
import { parseEml } from './eml.parser';
import { parseEpub } from './epub.parser';
import { parseHtml } from './html.parser';
import { parseJson } from './json.parser';
import { parseDoc, parsePpt } from './legacy-office.parser';
import type { AttachmentReader, AttachmentResult } from './mail-parts';
import { parseMarkdown } from './markdown.parser';
import { parseMsg } from './msg.parser';
import { parseOdt } from './odt.parser';
import type { ParsedDocument } from './parsed-document';
import { NeedsOcrError, type OcrText, parsePdf } from './pdf.parser';
import { parseOdp, parsePptx } from './presentation.parser';
import { parseRtf } from './rtf.parser';
import { parseSpreadsheet } from './spreadsheet.parser';
import { parseTxt } from './txt.parser';

export type { ParsedDocument } from './parsed-document';

type Parser = (bytes: Buffer, limits: DocumentLimits, ocrText?: OcrText) => ParsedDocument | Promise<ParsedDocument>;

const PARSERS: Record<DocType, { label: string; parse: Parser }> = {
  txt: { label: 'Text', parse: parseTxt },
  md: { label: 'Markdown', parse: parseMarkdown },
  markdown: { label: 'Markdown', parse: parseMarkdown },
  html: { label: 'HTML', parse: parseHtml },
  pdf: { label: 'PDF', parse: parsePdf },
  docx: { label: 'DOCX', parse: parseDocx },
  csv: { label: 'CSV', parse: parseCsv },
  json: { label: 'JSON', parse: parseJson },
  png: { label: 'PNG', parse: parseImage },
  jpg: { label: 'JPEG', parse: parseImage },
  jpeg: { label: 'JPEG', parse: parseImage },
  webp: { label: 'WebP', parse: parseImage },
  tiff: { label: 'TIFF', parse: parseImage },
  bmp: { label: 'BMP', parse: parseImage },
  xlsx: { label: 'XLSX', parse: (bytes, limits) => parseSpreadsheet(bytes, limits, 'xlsx') },
  xls: { label: 'XLS', parse: (bytes, limits) => parseSpreadsheet(bytes, limits, 'xls') },
  ods: { label: 'ODS', parse: (bytes, limits) => parseSpreadsheet(bytes, limits, 'ods') },
  pptx: { label: 'PPTX', parse: (bytes, limits) => parsePptx(bytes, limits) },
  odp: { label: 'ODP', parse: parseOdp },
  odt: { label: 'ODT', parse: parseOdt },
  doc: { label: 'DOC', parse: parseDoc },
  ppt: { label: 'PPT', parse: parsePpt },
  epub: { label: 'EPUB', parse: parseEpub },
  eml: { label: 'E-mail', parse: (bytes, limits) => parseEml(bytes, limits, attachmentReader(1)) },
  msg: { label: 'Outlook message', parse: (bytes, limits) => parseMsg(bytes, limits, attachmentReader(1)) },
  rtf: { label: 'RTF', parse: parseRtf },
};

/** E-mails attached to e-mails are read this many levels deep; deeper ones are listed, not parsed. */
const MAX_MAIL_NESTING = 3;

/**
 * Reads an e-mail's attachment with the parser for its type, under the same limits as the
 * e-mail. A limit it breaks fails the whole e-mail (a zip bomb stays a bomb when attached); a
 * corrupt or unsupported attachment is skipped with its reason, so the message is still indexed.
 */
function attachmentReader(depth: number): AttachmentReader {
  return async (attachment, limits): Promise<AttachmentResult> => {
    const docType = docTypeFromFileName(attachment.fileName);
    if (!docType) return { skipped: 'unsupported file type' };
    if (isImageDocType(docType)) return { skipped: 'images in e-mails are not OCR-read' };
    const mail = docType === 'eml' || docType === 'msg';
    if (mail && depth >= MAX_MAIL_NESTING) return { skipped: `e-mails nested more than ${MAX_MAIL_NESTING} deep are not read` };
    if (attachment.bytes.length === 0) return { skipped: 'empty' };
    const { label, parse } = PARSERS[docType];
    const nested: Parser = docType === 'eml' ? (b, l) => parseEml(b, l, attachmentReader(depth + 1)) : docType === 'msg' ? (b, l) => parseMsg(b, l, attachmentReader(depth + 1)) : parse;
    try {
      const document = tidy(await nested(attachment.bytes, limits));
      if (isEmpty(document)) return { skipped: 'no text' };
      return { document, pages: document.kind === 'plain' && document.paged ? document.pages.length : 0 };
    } catch (error) {
      if (error instanceof PermanentError && error.failedCode === FailedCode.TooLarge) {
        throw new PermanentError(FailedCode.TooLarge, `attachment ${attachment.fileName}: ${error.message}`);
      }
      if (error instanceof NeedsOcrError) return { skipped: 'scanned pages need OCR, which attachments do not get' };
      if (error instanceof PermanentError) return { skipped: error.message };
      return { skipped: `${label} could not be read: ${shortReason(error)}` };
    }
  };
}

/** An image's text comes from OCR, done before parsing (one entry per image page). */
function parseImage(_bytes: Buffer, _limits: DocumentLimits, ocrText?: OcrText): ParsedDocument {
  const pages = Object.keys(ocrText ?? {})
    .map(Number)
    .sort((a, b) => a - b);
  if (pages.length === 0) throw new NeedsOcrError([], 0);
  return { kind: 'plain', pages: pages.map((page) => ocrText?.[page] ?? ''), paged: true };
}

/**
 * Bytes -> text or table. Every failure is a PermanentError with a reason a user can act on
 * (retrying cannot fix a corrupt file); a library's own exception never escapes.
 */
export async function parseDocument(
  bytes: Buffer,
  docType: DocType,
  limits: DocumentLimits = DEFAULT_DOCUMENT_LIMITS,
  ocrText?: OcrText,
): Promise<ParsedDocument> {
  // Callers pass strings from requests and the database, so the type is checked at run time too.
  if (!isSupportedDocType(docType)) {
    throw new PermanentError(
      FailedCode.Unsupported,
      `unsupported doc_type "${String(docType)}" (supported: ${SUPPORTED_DOC_TYPES.join(', ')})`,
    );
  }
  if (bytes.length === 0) throw new PermanentError(FailedCode.Empty, 'document is empty');

  const { label, parse } = PARSERS[docType];
  let parsed: ParsedDocument;
  try {
    parsed = await parse(bytes, limits, ocrText);
  } catch (error) {
    if (error instanceof PermanentError || error instanceof NeedsOcrError) throw error;
    throw new PermanentError(FailedCode.Corrupt, `${label} could not be read: ${shortReason(error)}`);
  }
  const document = tidy(parsed);
  if (isEmpty(document)) {
    const scanned = isImageDocType(docType) ? 'OCR found no text in the image' : 'document is empty';
    throw new PermanentError(FailedCode.Empty, scanned);
  }
  return document;
}

/** Line endings, control characters and runs of blank lines, so chunk sizes reflect real text. */
function tidy(document: ParsedDocument): ParsedDocument {
  const title = document.title?.replace(/\s+/g, ' ').trim() || undefined;
  if (document.kind === 'table') return { ...document, title };
  if (document.kind === 'plain') return { ...document, title, pages: document.pages.map(tidyText) };
  if (document.kind === 'sheets') return { ...document, title };
  if (document.kind === 'slides') {
    const slides = document.slides.map((slide) => ({ ...slide, title: slide.title?.replace(/\s+/g, ' ').trim() || undefined, text: tidyText(slide.text), notes: slide.notes && tidyText(slide.notes) }));
    return { ...document, title, slides };
  }
  if (document.kind === 'parts') {
    const parts = document.parts.map((part) => ({ title: part.title.replace(/\s+/g, ' ').trim(), document: tidy(part.document) }));
    return { kind: 'parts', title, parts: parts.filter((part) => !isEmpty(part.document)) };
  }
  return { kind: 'text', title, markdown: tidyText(document.markdown) };
}

function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function isEmpty(document: ParsedDocument): boolean {
  if (document.kind === 'text') return document.markdown.trim() === '';
  if (document.kind === 'plain') return document.pages.every((page) => page.trim() === '');
  if (document.kind === 'sheets') return document.sheets.length === 0;
  if (document.kind === 'slides') return document.slides.every((slide) => !slide.title && slide.text === '' && !slide.notes);
  if (document.kind === 'parts') return document.parts.every((part) => isEmpty(part.document));
  return document.header.every((cell) => cell.trim() === '') && document.rows.every((row) => row.every((cell) => cell.trim() === ''));
}

/** The first line of a library's message, capped: enough to tell a user what is wrong. */
function shortReason(error: unknown): string {
  const message =
    typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string'
      ? (error as { message: string }).message
      : String(error);
  const firstLine = message.split('\n', 1)[0].trim() || 'unknown error';
  return firstLine.length > 200 ? `${firstLine.slice(0, 197)}...` : firstLine;
}
