export const IMAGE_DOC_TYPES = ['png', 'jpg', 'jpeg', 'webp', 'tiff', 'bmp'] as const;

/** Spreadsheets, decks and word-processor files besides docx. */
export const OFFICE_DOC_TYPES = ['xlsx', 'xls', 'ods', 'pptx', 'odp', 'odt', 'doc', 'ppt'] as const;

/** Books and e-mails: containers of parts (chapters; headers, body and attachments). */
export const BOOK_AND_MAIL_DOC_TYPES = ['epub', 'eml', 'msg', 'rtf'] as const;

export const SUPPORTED_DOC_TYPES = [
  'txt',
  'md',
  'markdown',
  'html',
  'pdf',
  'docx',
  'csv',
  'json',
  ...IMAGE_DOC_TYPES,
  ...OFFICE_DOC_TYPES,
  ...BOOK_AND_MAIL_DOC_TYPES,
] as const;

export type DocType = (typeof SUPPORTED_DOC_TYPES)[number];

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_DOC_TYPES);

/** Extensions that are another spelling of a supported type. */
const EXTENSION_ALIASES: Readonly<Record<string, DocType>> = { htm: 'html', text: 'txt', jsonl: 'json', ndjson: 'json', tif: 'tiff' };

const IMAGES: ReadonlySet<string> = new Set(IMAGE_DOC_TYPES);

/** Images are read by OCR only. */
export function isImageDocType(value: string): boolean {
  return IMAGES.has(value);
}

export function isSupportedDocType(value: string): value is DocType {
  return SUPPORTED.has(value);
}

/** `Report.PDF` -> `pdf`; undefined for an unknown or missing extension. */
export function docTypeFromFileName(name: string): DocType | undefined {
  const dot = name.lastIndexOf('.');
  if (dot < 0 || dot === name.length - 1) return undefined;
  const extension = name.slice(dot + 1).toLowerCase();
  if (isSupportedDocType(extension)) return extension;
  return EXTENSION_ALIASES[extension];
}
