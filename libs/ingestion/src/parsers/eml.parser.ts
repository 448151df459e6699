import { type AddressObject, simpleParser } from 'mailparser';
import { PermanentError } from '@fjord/common';
import { FailedCode } from '../failed-code';
import type { DocumentLimits } from './document-limits';
import { type AttachmentReader, attachmentFileName, mailToParts } from './mail-parts';
import type { ParsedDocument } from './parsed-document';

/**
 * An RFC 822 / MIME e-mail via mailparser (charsets, encoded words, quoted-printable and base64
 * parts). Inline images referenced from the HTML body (`cid:`) are page furniture, not attachments.
 */
export async function parseEml(bytes: Buffer, limits: DocumentLimits, readAttachment: AttachmentReader): Promise<ParsedDocument> {
  const mail = await simpleParser(bytes, { skipImageLinks: true, skipTextLinks: true, skipTextToHtml: true });
  if (!mail.from && !mail.to && !mail.subject && !mail.date) {
    throw new PermanentError(FailedCode.Corrupt, 'E-mail could not be read: no From, To, Subject or Date header found');
  }
  const attachments = mail.attachments
    .filter((attachment) => !(attachment.related && attachment.contentType.startsWith('image/')))
    .map((attachment, index) => ({ fileName: attachmentFileName(attachment.filename, attachment.contentType, index), bytes: attachment.content }));
  return mailToParts(
    {
      from: addresses(mail.from),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      date: mail.date?.toISOString(),
      subject: mail.subject,
      text: mail.text,
      html: mail.html || undefined,
      attachments,
    },
    limits,
    readAttachment,
  );
}

function addresses(value: AddressObject | AddressObject[] | undefined): string | undefined {
  if (!value) return undefined;
  return (Array.isArray(value) ? value : [value]).map((address) => address.text).join(', ') || undefined;
}
