/**
 * Why a document failed to ingest: stored as `failed_code` on the document and shown by doc/info
 * next to the human-readable `failed_reason`. The numbers are part of the public API, so never
 * renumber; add new codes at the end of their group.
 */
export enum FailedCode {
  /** Nothing to index: the file or its extracted text is empty or whitespace only. */
  Empty = 1,
  /** The file is damaged or not what its type claims (broken zip, invalid PDF or JSON). */
  Corrupt = 2,
  /** A type or a variant we cannot read: unknown doc_type, encrypted PDF, PDF without a text layer. */
  Unsupported = 3,
  /** Over the configured size limit. */
  TooLarge = 4,
  /** The URL could not be downloaded. */
  FetchFailed = 5,
  /** The embedding model kept failing after retries. */
  EmbeddingFailed = 6,
  /** Parsing went past its time or memory cap (PARSE_TIMEOUT_MS, PARSE_MAX_MEMORY_MB), or kept crashing the process. */
  ParseLimit = 7,
  /** No progress for longer than INGEST_STUCK_MS; doc/retry queues it again. */
  Stuck = 8,
  /** A bug or an infrastructure failure on our side. */
  Internal = 9,
}
