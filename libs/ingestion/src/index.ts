export { FailedCode } from './failed-code';
export { type DocType, SUPPORTED_DOC_TYPES, docTypeFromFileName, isSupportedDocType } from './parsers/doc-type';
export { parseDocument } from './parsers/document-parser';
export type { ParsedDocument } from './parsers/parsed-document';
export { chunkDocument } from './chunking/chunker';
export { type Chunk, type ChunkOptions, DEFAULT_CHUNK_OPTIONS, MIN_CHUNK_LENGTH } from './chunking/chunk';
