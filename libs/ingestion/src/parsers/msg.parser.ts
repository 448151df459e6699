import { decompressRTF } from '@kenjiuno/decompressrtf';
import MsgReader, { type FieldsData } from '@kenjiuno/msgreader';
import { deEncapsulateSync } from 'rtf-stream-parser';
import iconv from 'iconv-lite';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import { type AttachmentReader, type MailAttachment, type MailMessage, attachmentFileName, mailToParts } from './mail-parts';
import type { ParsedDocument } from './parsed-document';
import { rtfToText } from './rtf.parser';

/**
 * An Outlook item (`.msg`, an OLE compound file) via @kenjiuno/msgreader. The body is read from
 * the HTML or plain-text property, else from the compressed RTF that Outlook often stores alone
 * (de-encapsulated to its original HTML or text where it wraps one).
 */
export async function parseMsg(bytes: Buffer, limits: DocumentLimits, readAttachment: AttachmentReader): Promise<ParsedDocument> {
  const reader = new MsgReader(new Uint8Array(bytes).buffer);
  const fields = reader.getFileData();
  if (fields.error || fields.dataType !== 'msg') {
    throw new PermanentError(FailedCode.Corrupt, `Outlook message could not be read: ${fields.error ?? 'not an Outlook item'}`);
  }
  return mailToParts(messageOf(reader, fields), limits, readAttachment);
}

function messageOf(reader: MsgReader, fields: FieldsData): MailMessage {
  const recipients = (type: string): string | undefined =>
    (fields.recipients ?? [])
      .filter((recipient) => (recipient.recipType ?? 'to') === type)
      .map((recipient) => person(recipient.name, recipient.smtpAddress ?? recipient.email))
      .join(', ') || undefined;
  const attachments: MailAttachment[] = [];
  for (const [index, attachment] of (fields.attachments ?? []).entries()) {
    // Outlook keeps a signature's logo and other images the HTML body shows as hidden attachments.
    if (attachment.attachmentHidden) continue;
    if (attachment.innerMsgContent) {
      // An embedded Outlook item is a storage inside this file, not bytes a parser could be given.
      const name = attachmentFileName(attachment.name ?? attachment.fileName, 'application/vnd.ms-outlook', index);
      attachments.push({ fileName: name, bytes: Buffer.alloc(0), unreadable: 'embedded Outlook items are not read' });
      continue;
    }
    const data = reader.getAttachment(attachment);
    attachments.push({ fileName: attachmentFileName(data.fileName, attachment.attachMimeTag, index), bytes: Buffer.from(data.content) });
  }
  const date = fields.messageDeliveryTime ?? fields.clientSubmitTime;
  return {
    from: person(fields.senderName, fields.senderSmtpAddress ?? fields.senderEmail),
    to: recipients('to'),
    cc: recipients('cc'),
    date: date ? new Date(date).toISOString() : undefined,
    subject: fields.subject,
    ...body(fields),
    attachments,
  };
}

function body(fields: FieldsData): Pick<MailMessage, 'text' | 'html'> {
  if (fields.bodyHtml?.trim()) return { html: fields.bodyHtml };
  if (fields.html && fields.html.length > 0) {
    return { html: iconv.decode(Buffer.from(fields.html), encodingOfCodepage(fields.internetCodepage)) };
  }
  if (fields.body?.trim()) return { text: fields.body };
  if (fields.compressedRtf && fields.compressedRtf.length > 0) {
    const rtf = Buffer.from(decompressRTF(Array.from(fields.compressedRtf)));
    try {
      const wrapped = deEncapsulateSync(rtf, { decode: (data: Buffer, encoding: string) => iconv.decode(data, encoding), warn: () => undefined });
      return wrapped.mode === 'html' ? { html: String(wrapped.text) } : { text: String(wrapped.text) };
    } catch {
      return { text: rtfToText(rtf) }; // Native RTF, not a wrapper around HTML or text.
    }
  }
  return {};
}

/** A Windows code page number as iconv-lite names it; UTF-8 when absent or unknown. */
function encodingOfCodepage(codepage: number | undefined): string {
  if (codepage === undefined || codepage === 65001) return 'utf8';
  return iconv.encodingExists(`cp${codepage}`) ? `cp${codepage}` : 'utf8';
}

function person(name: string | undefined, address: string | undefined): string | undefined {
  const cleanName = name?.trim();
  const cleanAddress = address?.trim();
  if (cleanName && cleanAddress && cleanName !== cleanAddress) return `${cleanName} <${cleanAddress}>`;
  return cleanName || cleanAddress || undefined;
}
