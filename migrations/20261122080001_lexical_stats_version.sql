-- lexical_stats.version for databases that applied 20261122080000_lexical_index.sql before the
-- column was added to it (a no-op elsewhere): searches cache document frequencies per version.
ALTER TABLE lexical_stats ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION lexical_stats_fold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A delta for a collection deleted in this transaction has nowhere to go (the EXISTS).
  INSERT INTO lexical_stats (collection_id, doc_count, total_length)
  SELECT NEW.collection_id, NEW.doc_delta, NEW.length_delta
   WHERE EXISTS (SELECT 1 FROM collections c WHERE c.id = NEW.collection_id)
  ON CONFLICT (collection_id) DO UPDATE
     SET doc_count = lexical_stats.doc_count + EXCLUDED.doc_count,
         total_length = lexical_stats.total_length + EXCLUDED.total_length,
         version = lexical_stats.version + 1;
  DELETE FROM lexical_stat_deltas WHERE id = NEW.id;
  RETURN NULL;
END $$;
