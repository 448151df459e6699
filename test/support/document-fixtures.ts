import * as CFB from 'cfb';
import iconv from 'iconv-lite';
import JSZip from 'jszip';

/** Real, minimal DOCX and PDF files built in code, shared by the parser specs and the e2e suites. */

export type DocxBlock = { style?: string; text: string } | { table: string[][] };

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** A minimal but valid .docx (jszip comes with mammoth): document, styles and relationships. */
export async function buildDocx(blocks: DocxBlock[]): Promise<Buffer> {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const paragraph = (text: string, style?: string): string =>
    `<w:p>${style ? `<w:pPr><w:pStyle w:val="${style}"/></w:pPr>` : ''}<w:r><w:t xml:space="preserve">${escape(text)}</w:t></w:r></w:p>`;
  const body = blocks
    .map((block) =>
      'table' in block
        ? `<w:tbl>${block.table.map((row) => `<w:tr>${row.map((cell) => `<w:tc>${paragraph(cell)}</w:tc>`).join('')}</w:tr>`).join('')}</w:tbl>`
        : paragraph(block.text, block.style),
    )
    .join('');
  const style = (id: string, name: string): string =>
    `<w:style w:type="paragraph" w:styleId="${id}"><w:name w:val="${name}"/></w:style>`;

  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
      '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/_rels/document.xml.rels',
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
  );
  zip.file(
    'word/styles.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:styles ${W}>${style('Title', 'Title')}${style('Heading1', 'heading 1')}` +
      `${style('Heading2', 'heading 2')}${style('a1', '标题 1')}</w:styles>`,
  );
  zip.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${body}</w:body></w:document>`);
  return zip.generateAsync({ type: 'nodebuffer' });
}

/**
 * Builds a small but valid PDF by hand: one Helvetica text object per line, one content stream
 * per page, a correct xref table. `pages` of `null` draws a line instead of text (a "scan").
 */
export function buildPdf(pages: (string[] | null)[], extra: { title?: string; encrypted?: boolean } = {}): Buffer {
  const objects: string[] = [];
  const add = (body: string): number => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add('PAGES');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  const pageIds = pages.map((lines) => {
    const ops = lines
      ? lines.map((line, i) => `BT /F1 12 Tf 72 ${720 - i * 18} Td (${line.replace(/[\\()]/g, '\\$&')}) Tj ET`).join('\n')
      : '0 0 m 200 200 l S';
    const content = add(`<< /Length ${Buffer.byteLength(ops, 'latin1')} >>\nstream\n${ops}\nendstream`);
    return add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${content} 0 R >>`);
  });
  objects[1] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  const info = extra.title ? add(`<< /Title (${extra.title}) >>`) : undefined;
  // Standard security handler, revision 2, with a /U entry no empty password can produce.
  const encrypt = extra.encrypted
    ? add(`<< /Filter /Standard /V 1 /R 2 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> /P -44 >>`)
    : undefined;

  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const offset = Buffer.byteLength(pdf, 'latin1');
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return offset;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  const trailer = [`/Size ${objects.length + 1}`, '/Root 1 0 R'];
  if (info) trailer.push(`/Info ${info} 0 R`);
  if (encrypt) trailer.push(`/Encrypt ${encrypt} 0 R`, `/ID [<${'01'.repeat(16)}> <${'01'.repeat(16)}>]`);
  pdf += `trailer\n<< ${trailer.join(' ')} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}


/**
 * The poison pill: a small DOCX whose body is `paragraphs` empty paragraphs. 1.5 million of them
 * zip to ~150 KB and drive an unguarded mammoth past 4 GB.
 */
export async function buildEmptyParagraphDocx(paragraphs: number): Promise<Buffer> {
  const docx = await JSZip.loadAsync(await buildDocx([{ text: 'start' }]));
  docx.file('word/document.xml', `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${'<w:p/>'.repeat(paragraphs)}</w:body></w:document>`);
  return docx.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** A zip-format file (as a DOCX) with an extra entry of `bytes` zeros: tiny packed, huge unpacked. */
export async function buildZipBombDocx(bytes: number): Promise<Buffer> {
  const docx = await JSZip.loadAsync(await buildDocx([{ text: 'start' }]));
  docx.file('word/media/filler.bin', Buffer.alloc(bytes));
  return docx.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

/** HTML nested `depth` elements deep around one sentence. */
export function buildDeepHtml(depth: number): Buffer {
  return Buffer.from(`<html><body>${'<div>'.repeat(depth)}deep sentence${'</div>'.repeat(depth)}</body></html>`);
}

/** A PDF of `count` pages that all draw the same one-line content stream: many pages, few bytes. */
export function buildManyPagePdf(count: number): Buffer {
  const ops = 'BT /F1 12 Tf 72 720 Td (same page) Tj ET';
  const header = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: count }, (_, i) => `${i + 5} 0 R`).join(' ')}] /Count ${count} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${ops.length} >>\nstream\n${ops}\nendstream`,
  ];
  const page = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>';
  const parts: string[] = ['%PDF-1.4\n'];
  let length = parts[0].length;
  const offsets: number[] = [];
  const write = (id: number, body: string): void => {
    offsets.push(length);
    const text = `${id} 0 obj\n${body}\nendobj\n`;
    parts.push(text);
    length += text.length;
  };
  header.forEach((body, i) => write(i + 1, body));
  for (let i = 0; i < count; i++) write(i + 5, page);
  const xref = length;
  parts.push(`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`);
  for (const offset of offsets) parts.push(`${String(offset).padStart(10, '0')} 00000 n \n`);
  parts.push(`trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.from(parts.join(''), 'latin1');
}

export interface EpubChapter {
  /** File name inside the book, e.g. `text/ch1.xhtml`. */
  file: string;
  /** Its table-of-contents entry; left out of the TOC when undefined. */
  tocTitle?: string;
  html: string;
}

/**
 * A minimal EPUB 3 (also carrying an EPUB 2 NCX when `ncx` is set, and no nav then): mimetype,
 * container, package document with manifest and spine in the given reading order.
 */
export async function buildEpub(title: string, chapters: EpubChapter[], options: { ncx?: boolean; spineOrder?: number[]; extra?: Record<string, Buffer> } = {}): Promise<Buffer> {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file(
    'META-INF/container.xml',
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">' +
      '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
  );
  const items = chapters.map((chapter, i) => `<item id="c${i}" href="${escape(chapter.file)}" media-type="application/xhtml+xml"/>`);
  const order = options.spineOrder ?? chapters.map((_, i) => i);
  const toc = chapters.filter((chapter) => chapter.tocTitle !== undefined);
  if (options.ncx) {
    items.push('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>');
    zip.file(
      'OEBPS/toc.ncx',
      `<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>${toc
        .map((chapter, i) => `<navPoint id="n${i}" playOrder="${i + 1}"><navLabel><text>${escape(chapter.tocTitle ?? '')}</text></navLabel><content src="${escape(chapter.file)}"/></navPoint>`)
        .join('')}</navMap></ncx>`,
    );
  } else {
    items.push('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>');
    zip.file(
      'OEBPS/nav.xhtml',
      `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>Contents</title></head><body>` +
        `<nav epub:type="toc"><ol>${toc.map((chapter) => `<li><a href="${escape(chapter.file)}">${escape(chapter.tocTitle ?? '')}</a></li>`).join('')}</ol></nav></body></html>`,
    );
  }
  zip.file(
    'OEBPS/content.opf',
    `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">` +
      `<dc:identifier id="id">urn:fjord:test</dc:identifier><dc:title>${escape(title)}</dc:title><dc:language>en</dc:language></metadata>` +
      `<manifest>${items.join('')}</manifest><spine${options.ncx ? ' toc="ncx"' : ''}>${order.map((i) => `<itemref idref="c${i}"/>`).join('')}${options.ncx ? '' : '<itemref idref="nav" linear="no"/>'}</spine></package>`,
  );
  for (const chapter of chapters) zip.file(`OEBPS/${chapter.file}`, chapter.html);
  for (const [name, bytes] of Object.entries(options.extra ?? {})) zip.file(name, bytes);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

export interface MailFixture {
  from: string;
  to: string;
  cc?: string;
  subject: string;
  date: string;
  text?: string;
  html?: string;
  attachments?: { fileName: string; contentType: string; bytes: Buffer }[];
}

/** An RFC 822 message: multipart/mixed with a text or HTML body and base64 attachments. */
export function buildEml(mail: MailFixture): Buffer {
  const boundary = 'fjord-boundary-42';
  const base64 = (bytes: Buffer): string => bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  const encodedSubject = /^[\x20-\x7e]*$/.test(mail.subject) ? mail.subject : `=?UTF-8?B?${Buffer.from(mail.subject).toString('base64')}?=`;
  const lines = [
    `From: ${mail.from}`,
    `To: ${mail.to}`,
    ...(mail.cc ? [`Cc: ${mail.cc}`] : []),
    `Subject: ${encodedSubject}`,
    `Date: ${mail.date}`,
    'Message-ID: <fixture@fjord.test>',
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    `Content-Type: ${mail.html ? 'text/html' : 'text/plain'}; charset=utf-8`,
    'Content-Transfer-Encoding: base64',
    '',
    base64(Buffer.from(mail.html ?? mail.text ?? '')),
  ];
  for (const attachment of mail.attachments ?? []) {
    lines.push(
      `--${boundary}`,
      `Content-Type: ${attachment.contentType}; name="${attachment.fileName}"`,
      `Content-Disposition: attachment; filename="${attachment.fileName}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64(attachment.bytes),
    );
  }
  lines.push(`--${boundary}--`, '');
  return Buffer.from(lines.join('\r\n'));
}

/**
 * An Outlook .msg built as Outlook lays one out ([MS-OXMSG]): an OLE compound file (written with
 * SheetJS' cfb) holding the message's property streams, one storage per recipient and one per
 * attachment. Strings are UTF-16LE (`001F`), attachment data binary (`0102`).
 */
export function buildMsg(mail: Omit<MailFixture, 'html'> & { rtfBody?: string; htmlBody?: string; codepage?: number }): Buffer {
  const container = CFB.utils.cfb_new();
  const add = (name: string, bytes: Buffer): void => {
    CFB.utils.cfb_add(container, name, bytes);
  };
  const unicode = (text: string): Buffer => Buffer.from(text, 'utf16le');
  /** A property stream: a header (32 bytes for the message, 8 for recipients and attachments) and 16-byte fixed-size entries. */
  const properties = (header: number, entries: [number, number | bigint][]): Buffer => {
    const rows = entries.map(([tag, value]) => {
      const row = Buffer.alloc(16);
      row.writeUInt32LE(tag, 0);
      row.writeUInt32LE(0x6, 4); // readable, writable
      if (typeof value === 'bigint') row.writeBigUInt64LE(value, 8);
      else row.writeUInt32LE(value, 8);
      return row;
    });
    return Buffer.concat([Buffer.alloc(header), ...rows]);
  };
  const recipients = [...mail.to.split(',').map((to) => ({ address: to.trim(), type: 1 })), ...(mail.cc ? mail.cc.split(',').map((cc) => ({ address: cc.trim(), type: 2 })) : [])];
  const attachments = mail.attachments ?? [];
  const filetime = BigInt(new Date(mail.date).getTime()) * 10_000n + 116_444_736_000_000_000n;
  const root = properties(32, [[0x0e060040, filetime], ...(mail.codepage ? [[0x3fde0003, mail.codepage] as [number, number]] : [])]);
  root.writeUInt32LE(recipients.length, 8); // next recipient id
  root.writeUInt32LE(attachments.length, 12); // next attachment id
  root.writeUInt32LE(recipients.length, 16);
  root.writeUInt32LE(attachments.length, 20);
  add('/__properties_version1.0', root);
  add('/__substg1.0_001A001F', unicode('IPM.Note'));
  add('/__substg1.0_0037001F', unicode(mail.subject));
  if (mail.text !== undefined) add('/__substg1.0_1000001F', unicode(mail.text));
  // PR_HTML: bytes in the message's internet code page (PR_INTERNET_CPID, a fixed-size property).
  if (mail.htmlBody !== undefined) add('/__substg1.0_10130102', iconv.encode(mail.htmlBody, mail.codepage ? `cp${mail.codepage}` : 'utf8'));
  if (mail.rtfBody !== undefined) {
    // PR_RTF_COMPRESSED in its stored-uncompressed variant ("MELA"): size, raw size, type, CRC, data.
    const raw = Buffer.from(mail.rtfBody, 'latin1');
    const header = Buffer.alloc(16);
    header.writeUInt32LE(raw.length + 12, 0);
    header.writeUInt32LE(raw.length, 4);
    header.writeUInt32LE(0x414c454d, 8);
    add('/__substg1.0_10090102', Buffer.concat([header, raw]));
  }
  const sender = /^(.*?)\s*<(.+)>$/.exec(mail.from);
  add('/__substg1.0_0C1A001F', unicode(sender ? sender[1] : mail.from));
  add('/__substg1.0_0C1F001F', unicode(sender ? sender[2] : mail.from));
  recipients.forEach((recipient, i) => {
    const storage = `/__recip_version1.0_#${i.toString(16).toUpperCase().padStart(8, '0')}`;
    const named = /^(.*?)\s*<(.+)>$/.exec(recipient.address);
    add(`${storage}/__properties_version1.0`, properties(8, [[0x0c150003, recipient.type]]));
    add(`${storage}/__substg1.0_3001001F`, unicode(named ? named[1] : recipient.address));
    add(`${storage}/__substg1.0_39FE001F`, unicode(named ? named[2] : recipient.address));
  });
  attachments.forEach((attachment, i) => {
    const storage = `/__attach_version1.0_#${i.toString(16).toUpperCase().padStart(8, '0')}`;
    add(`${storage}/__properties_version1.0`, properties(8, [[0x37050003, 1]])); // attached by value
    add(`${storage}/__substg1.0_3707001F`, unicode(attachment.fileName));
    add(`${storage}/__substg1.0_370E001F`, unicode(attachment.contentType));
    add(`${storage}/__substg1.0_37010102`, attachment.bytes);
  });
  CFB.utils.cfb_del(container, '/\u0001Sh33tJ5'); // cfb_new's placeholder stream
  return CFB.write(container, { type: 'buffer' }) as Buffer;
}
