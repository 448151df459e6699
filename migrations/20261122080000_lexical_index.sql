-- BM25 over the analyser's terms (points.lexical_terms), kept by triggers on `points` so every write
-- path (ingestion, point add/update/delete, document and collection deletes) keeps it exact in the
-- same transaction without knowing about it.
--
-- Representation (measured in docs/benchmarks.md, "Retrieval quality"): an inverted table of
-- postings (collection, term, point, tf, doc length). A BM25 query reads only the posting lists of
-- its own terms through the primary key, scores them in one aggregate and never touches `points`.
-- The alternatives lose: a GIN tsvector finds candidates but has to unnest every candidate's
-- tsvector to get tf (OR queries match most of a corpus), and a sparsevec cannot hold a corpus idf
-- that changes as documents come and go.
--
-- Document frequencies are not stored: they are counted from the posting lists at query time
-- (and cached by the searching process per lexical_stats.version), so they can never drift and
-- need no hot counter rows. Only the
-- collection-wide N and total length are stored (lexical_stats), folded in at COMMIT by a deferred
-- trigger: that lock is then always a transaction's last, so concurrent writers cannot deadlock
-- on it, and a reader sees N and the postings of the same committed state.

CREATE TABLE point_terms (
  collection_id  bigint NOT NULL,
  term           text NOT NULL,
  point_id       bigint NOT NULL,
  tf             integer NOT NULL,
  doc_len        integer NOT NULL,
  PRIMARY KEY (collection_id, term, point_id) INCLUDE (tf, doc_len)
);

CREATE TABLE lexical_stats (
  collection_id  bigint PRIMARY KEY REFERENCES collections (id) ON DELETE CASCADE,
  doc_count      bigint NOT NULL DEFAULT 0,
  total_length   bigint NOT NULL DEFAULT 0,
  -- Bumped by every committed change: searches cache document frequencies per (collection, version).
  version        bigint NOT NULL DEFAULT 0
);

-- One row per statement that changed points; folded into lexical_stats at commit.
CREATE TABLE lexical_stat_deltas (
  id             bigserial PRIMARY KEY,
  collection_id  bigint NOT NULL,
  doc_delta      bigint NOT NULL,
  length_delta   bigint NOT NULL
);

CREATE FUNCTION points_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO point_terms (collection_id, term, point_id, tf, doc_len)
  SELECT n.collection_id, t.term, n.id, count(*)::int, n.lexical_length
    FROM new_rows n, unnest(string_to_array(n.lexical_terms, ' ')) AS t(term)
   WHERE n.lexical_terms <> '' AND t.term <> ''
   GROUP BY n.collection_id, t.term, n.id, n.lexical_length;
  INSERT INTO lexical_stat_deltas (collection_id, doc_delta, length_delta)
  SELECT n.collection_id, count(*), sum(n.lexical_length) FROM new_rows n GROUP BY n.collection_id;
  RETURN NULL;
END $$;

CREATE FUNCTION points_terms_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM point_terms pt
   USING (SELECT DISTINCT o.collection_id, t.term, o.id
            FROM old_rows o, unnest(string_to_array(o.lexical_terms, ' ')) AS t(term)
           WHERE o.lexical_terms <> '') d
   WHERE pt.collection_id = d.collection_id AND pt.term = d.term AND pt.point_id = d.id;
  INSERT INTO lexical_stat_deltas (collection_id, doc_delta, length_delta)
  SELECT o.collection_id, -count(*), -sum(o.lexical_length) FROM old_rows o GROUP BY o.collection_id;
  RETURN NULL;
END $$;

-- Only rows whose terms changed are re-posted (updated_at-only updates cost nothing here).
CREATE FUNCTION points_terms_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM point_terms pt
   USING (SELECT DISTINCT o.collection_id, t.term, o.id
            FROM old_rows o JOIN new_rows n ON n.id = o.id, unnest(string_to_array(o.lexical_terms, ' ')) AS t(term)
           WHERE o.lexical_terms <> '' AND (o.lexical_terms <> n.lexical_terms OR o.lexical_length <> n.lexical_length)) d
   WHERE pt.collection_id = d.collection_id AND pt.term = d.term AND pt.point_id = d.id;
  INSERT INTO point_terms (collection_id, term, point_id, tf, doc_len)
  SELECT n.collection_id, t.term, n.id, count(*)::int, n.lexical_length
    FROM new_rows n JOIN old_rows o ON o.id = n.id, unnest(string_to_array(n.lexical_terms, ' ')) AS t(term)
   WHERE n.lexical_terms <> '' AND t.term <> '' AND (o.lexical_terms <> n.lexical_terms OR o.lexical_length <> n.lexical_length)
   GROUP BY n.collection_id, t.term, n.id, n.lexical_length;
  INSERT INTO lexical_stat_deltas (collection_id, doc_delta, length_delta)
  SELECT n.collection_id, 0, sum(n.lexical_length - o.lexical_length)
    FROM new_rows n JOIN old_rows o ON o.id = n.id
   WHERE n.lexical_length <> o.lexical_length
   GROUP BY n.collection_id;
  RETURN NULL;
END $$;

CREATE TRIGGER points_terms_after_insert AFTER INSERT ON points
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION points_terms_insert();
CREATE TRIGGER points_terms_after_delete AFTER DELETE ON points
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION points_terms_delete();
CREATE TRIGGER points_terms_after_update AFTER UPDATE ON points
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION points_terms_update();

CREATE FUNCTION lexical_stats_fold() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE CONSTRAINT TRIGGER lexical_stat_deltas_fold AFTER INSERT ON lexical_stat_deltas
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lexical_stats_fold();

-- Points written before this migration.
INSERT INTO point_terms (collection_id, term, point_id, tf, doc_len)
SELECT p.collection_id, t.term, p.id, count(*)::int, p.lexical_length
  FROM points p, unnest(string_to_array(p.lexical_terms, ' ')) AS t(term)
 WHERE p.lexical_terms <> '' AND t.term <> ''
 GROUP BY p.collection_id, t.term, p.id, p.lexical_length;
INSERT INTO lexical_stats (collection_id, doc_count, total_length)
SELECT p.collection_id, count(*), sum(p.lexical_length) FROM points p GROUP BY p.collection_id;

-- A document's meta value by field name (meta is [{field_name, field_type, field_value}]): what
-- doc_filter predicates compare against (libs/search/src/filters/doc-filter.sql.ts).
CREATE FUNCTION fjord_meta_value(meta jsonb, name text) RETURNS jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT m.value -> 'field_value' FROM jsonb_array_elements(meta) AS m(value) WHERE m.value ->> 'field_name' = name LIMIT 1
$$;
