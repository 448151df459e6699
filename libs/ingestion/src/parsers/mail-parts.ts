import type { DocumentLimits } from './document-limits';
import { parseHtml } from './html.parser';
import type { DocumentPart, ParsedDocument } from './parsed-document';

/** An e-mail as both readers (`.eml`, `.msg`) see it, before its parts are parsed. */
export interface MailMessage {
  from?: string;
  to?: string;
  cc?: string;
  date?: string;
  subject?: string;
  text?: string;
  html?: string;
  attachments: MailAttachment[];
}

export interface MailAttachment {
  fileName: string;
  bytes: Buffer;
  /** Why the reader could not hand the attachment over (listed in the headers part). */
  unreadable?: string;
}

/** An attachment parsed by the parser for its own type, or why it was left out. */
export type AttachmentResult = { document: ParsedDocument; pages: number } | { skipped: string };

/**
 * Parses one attachment with the parser its file name calls for, within `limits`. Given by the
 * document parser, so the mail readers need not know every format (and e-mails inside e-mails
 * are read by a reader one level deeper).
 */
export type AttachmentReader = (attachment: MailAttachment, limits: DocumentLimits) => Promise<AttachmentResult>;

/** More than any real e-mail carries; the rest are listed in the headers but not parsed. */
export const MAX_MAIL_ATTACHMENTS = 50;

/**
 * Headers, body and each attachment as their own parts. Attachments share the document's page
 * budget (MAX_DOCUMENT_PAGES counts the pages of all attached PDFs together); one that cannot be
 * read is named in the headers part with the reason instead of failing the whole e-mail.
 */
export async function mailToParts(message: MailMessage, limits: DocumentLimits, readAttachment: AttachmentReader): Promise<ParsedDocument> {
  const subject = message.subject?.trim() || undefined;
  const attachmentParts: DocumentPart[] = [];
  const attachmentLines: string[] = [];
  let pagesLeft = limits.maxPages;
  for (const [index, attachment] of message.attachments.entries()) {
    if (index >= MAX_MAIL_ATTACHMENTS) {
      attachmentLines.push(`${attachment.fileName} (not indexed: more than ${MAX_MAIL_ATTACHMENTS} attachments)`);
      continue;
    }
    const result = attachment.unreadable ? { skipped: attachment.unreadable } : await readAttachment(attachment, { ...limits, maxPages: pagesLeft });
    if ('skipped' in result) {
      attachmentLines.push(`${attachment.fileName} (not indexed: ${result.skipped})`);
      continue;
    }
    pagesLeft -= result.pages;
    attachmentLines.push(attachment.fileName);
    attachmentParts.push({ title: `Attachment: ${attachment.fileName}`, document: result.document });
  }

  const headerLines = [
    ['From', message.from],
    ['To', message.to],
    ['Cc', message.cc],
    ['Date', message.date],
    ['Subject', subject],
    ['Attachments', attachmentLines.join('; ')],
  ].flatMap(([name, value]) => (value?.trim() ? [`${name}: ${value.trim()}`] : []));

  const parts: DocumentPart[] = [{ title: 'Headers', document: { kind: 'plain', pages: [headerLines.join('\n')], paged: false } }];
  const body = mailBody(message);
  if (body) parts.push({ title: subject ?? 'Message', document: body });
  parts.push(...attachmentParts);
  return { kind: 'parts', title: subject, parts };
}

/** An HTML body goes through the HTML parser (boilerplate removed, headings kept); plain text stays plain. */
function mailBody(message: MailMessage): ParsedDocument | undefined {
  if (message.html?.trim()) {
    const parsed = parseHtml(Buffer.from(message.html, 'utf8'));
    // The HTML <title> of a mail body is usually the subject again or a template's name.
    return { ...parsed, title: undefined } as ParsedDocument;
  }
  if (message.text?.trim()) return { kind: 'plain', pages: [message.text], paged: false };
  return undefined;
}

const EXTENSION_BY_CONTENT_TYPE: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.presentation': 'odp',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/msword': 'doc',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/epub+zip': 'epub',
  'application/rtf': 'rtf',
  'text/rtf': 'rtf',
  'text/plain': 'txt',
  'text/markdown': 'md',
  'text/html': 'html',
  'text/csv': 'csv',
  'application/json': 'json',
  'message/rfc822': 'eml',
  'application/vnd.ms-outlook': 'msg',
};

/** A name for an attachment that came without one (a forwarded message, a bare PDF part). */
export function attachmentFileName(fileName: string | undefined, contentType: string | undefined, index: number): string {
  const name = fileName?.trim();
  if (name) return name;
  const extension = EXTENSION_BY_CONTENT_TYPE[(contentType ?? '').toLowerCase()] ?? 'bin';
  return `attachment-${index + 1}.${extension}`;
}
