-- Changing a collection's embedding model without downtime. Each point has two vector slots,
-- `embedding` and `embedding_alt`; `collections.embedding_column` names the one searches use. A
-- migration fills the other slot with the target model's vectors (and its own HNSW index) while
-- searches keep using the active one, then one transaction flips embedding_column, the model and
-- the dimension. Slots may hold vectors of different dimensions (the column is untyped; each
-- index casts to its collection's dimension), and the inactive slot may be empty (NULL).
ALTER TABLE points ALTER COLUMN embedding DROP NOT NULL;
ALTER TABLE points ADD COLUMN embedding_alt vector;
ALTER TABLE collections ADD COLUMN embedding_column text NOT NULL DEFAULT 'embedding'
  CHECK (embedding_column IN ('embedding', 'embedding_alt'));

-- One row per migration; at most one running per collection. `stage` is where a resumed job
-- continues: clearing the target slot, embedding the points whose target slot is empty, building
-- the target slot's index, then the switch.
CREATE TABLE embedding_migrations (
  id                bigserial PRIMARY KEY,
  collection_id     bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
  source_model      text NOT NULL,
  target_model      text NOT NULL,
  target_column     text NOT NULL CHECK (target_column IN ('embedding', 'embedding_alt')),
  target_dimension  integer,
  status            text NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
  stage             text NOT NULL CHECK (stage IN ('clearing', 'embedding', 'indexing', 'switching', 'finished')),
  points_done       integer NOT NULL DEFAULT 0,
  points_total      integer NOT NULL DEFAULT 0,
  index_name        text,
  index_watermark   bigint NOT NULL DEFAULT 0,
  failed_reason     text,
  started_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX embedding_migrations_running_idx ON embedding_migrations (collection_id) WHERE status = 'running';
CREATE INDEX embedding_migrations_collection_idx ON embedding_migrations (collection_id, id);
