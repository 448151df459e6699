/** Caps a parser checks before it does expensive work; the sandbox caps time and memory. */
export interface DocumentLimits {
  /** Pages (PDF), slides (decks) or sheets beyond which a document is refused. */
  maxPages: number;
  /** Sum of the uncompressed sizes the entries of a zip-based file may declare. */
  maxDecompressedBytes: number;
  /** The sandbox's wall-time cap; a converter program a parser starts (LibreOffice) is stopped before it. */
  timeoutMs?: number;
}

export const DEFAULT_DOCUMENT_LIMITS: Readonly<DocumentLimits> = { maxPages: 5_000, maxDecompressedBytes: 512 * 1024 * 1024 };
