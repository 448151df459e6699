-- fjord's initial schema. Runs unchanged on PostgreSQL 15+ with pgvector 0.8 and on PGlite.
CREATE EXTENSION IF NOT EXISTS vector;

-- API keys: only sha256 hashes are stored. 'admin' keys manage everything; 'bot' keys (GetApiKey)
-- may only chat with the bots in bot_ids until expires_at.
CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  key_hash    text NOT NULL UNIQUE,
  kind        text NOT NULL CHECK (kind IN ('admin', 'bot')),
  bot_ids     text[] NOT NULL DEFAULT '{}',
  expires_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE collections (
  id                   bigserial PRIMARY KEY,
  resource_id          text NOT NULL UNIQUE,
  project              text NOT NULL,
  name                 text NOT NULL,
  description          text NOT NULL DEFAULT '',
  data_type            text NOT NULL DEFAULT 'unstructured_data',
  preprocessing        jsonb NOT NULL,
  index_type           text NOT NULL,
  fields               jsonb NOT NULL DEFAULT '[]',
  embedding_model      text NOT NULL,
  embedding_dimension  integer NOT NULL CHECK (embedding_dimension > 0),
  quant                text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (project, name)
);

-- One row per (collection, doc_id). `version` counts replacements: a job carries (id, version) and
-- gives up when a newer version exists. `status` is api.md's process_status of the newest version;
-- the points of the last completed version stay searchable until the next one commits.
CREATE TABLE documents (
  id             bigserial PRIMARY KEY,
  collection_id  bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  doc_id         text NOT NULL,
  doc_name       text NOT NULL,
  doc_type       text NOT NULL,
  add_type       text NOT NULL,
  url            text,
  meta           jsonb NOT NULL DEFAULT '[]',
  doc_hash       text,
  version        integer NOT NULL DEFAULT 1,
  status         smallint NOT NULL,
  failed_code    integer,
  failed_reason  text,
  progress       jsonb,
  attempts       integer NOT NULL DEFAULT 0,
  point_num      integer NOT NULL DEFAULT 0,
  total_tokens   integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (collection_id, doc_id)
);
-- Start-up recovery and queue-depth metrics look for unfinished documents.
CREATE INDEX documents_unfinished_idx ON documents (status) WHERE status IN (2, 5, 6);

-- The bytes of each pending or current document version, stored before the upload returns,
-- so a crash or a lost queue never loses a document. Superseded versions are deleted.
CREATE TABLE document_contents (
  document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  version      integer NOT NULL,
  content      bytea NOT NULL,
  byte_size    integer NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, version)
);

-- Chunks. `embedding` has no fixed dimension because collections differ; each collection's HNSW
-- index is a partial expression index casting to its own dimension (see vector-index.repository.ts).
-- `lexical_terms` is the analyser's output (space-joined) for BM25; `lexical_length` its term count.
CREATE TABLE points (
  id              bigserial PRIMARY KEY,
  point_id        text NOT NULL,
  collection_id   bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  document_id     bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  chunk_id        integer NOT NULL,
  chunk_title     text NOT NULL DEFAULT '',
  chunk_type      text NOT NULL DEFAULT 'text',
  content         text NOT NULL,
  token_count     integer NOT NULL,
  embedding       vector NOT NULL,
  lexical_terms   text NOT NULL DEFAULT '',
  lexical_length  integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (collection_id, point_id)
);
CREATE INDEX points_document_idx ON points (document_id, chunk_id);
-- The unindexed tail of a collection (id above its index watermark) is scanned through this.
CREATE INDEX points_collection_tail_idx ON points (collection_id, id);

-- Per collection: which HNSW index exists and which point ids it covers (id <= watermark, or all
-- rows when open). See vector-index.service.ts for the bulk-load strategy.
CREATE TABLE vector_indexes (
  collection_id  bigint PRIMARY KEY REFERENCES collections (id) ON DELETE CASCADE,
  index_name     text,
  watermark      bigint NOT NULL DEFAULT 0,
  is_open        boolean NOT NULL DEFAULT false,
  building_since timestamptz,
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Embeddings by (model, sha256 of chunk text): re-uploading an edited document re-embeds only
-- the chunks that changed.
CREATE TABLE embedding_cache (
  model       text NOT NULL,
  text_hash   text NOT NULL,
  embedding   vector NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, text_hash)
);
