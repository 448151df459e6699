export const SUPPORTED_DOC_TYPES = ['txt', 'md', 'markdown', 'html', 'pdf', 'docx', 'csv', 'json'] as const;

export type DocType = (typeof SUPPORTED_DOC_TYPES)[number];

const SUPPORTED: ReadonlySet<string> = new Set(SUPPORTED_DOC_TYPES);

/** Extensions that are another spelling of a supported type. */
const EXTENSION_ALIASES: Readonly<Record<string, DocType>> = { htm: 'html', text: 'txt', jsonl: 'json', ndjson: 'json' };

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
