-- A new document version's points are written in small batches while the previous version stays
-- searchable, and become searchable together in one short transaction (the "flip"): one long
-- transaction would block every search on PGlite's single connection for as long as it runs.
--
-- points.version numbers a document's point sets: each ingestion attempt writes a new one (not
-- documents.version: one document version may be written twice, say after doc/retry), and
-- documents.points_version is the set reads see. A (document, version) listed in
-- hidden_point_versions is invisible to every read (search, point/list, point/info):
--   'staging': the version being written; deleted at the flip, which lists the previous version
--   as 'stale' in the same transaction, so a search sees either all of the old version or all
--   of the new one, never part of either;
--   'stale':   a replaced version whose points are deleted afterwards, in batches.
-- A crash leaves only hidden rows behind; recovery deletes them (IngestionRecoveryService).
-- The table has no foreign keys on purpose: while a document or collection is deleted, its rows
-- must still be there so the triggers below do not count hidden points out of lexical_stats.
ALTER TABLE points ADD COLUMN version integer NOT NULL DEFAULT 0;
-- The point set reads see (0 for documents written before this migration and for documents never
-- published); point/add writes new points into it.
ALTER TABLE documents ADD COLUMN points_version integer NOT NULL DEFAULT 0;

-- Two point sets of a document hold the same point ids while one of them is hidden.
ALTER TABLE points DROP CONSTRAINT points_collection_id_point_id_key;
ALTER TABLE points ADD CONSTRAINT points_collection_point_version_key UNIQUE (collection_id, point_id, version);
-- Finding and deleting one version's points, and the flip's count of them.
CREATE INDEX points_document_version_idx ON points (document_id, version) INCLUDE (id, lexical_length);

CREATE TABLE hidden_point_versions (
  collection_id  bigint NOT NULL,
  document_id    bigint NOT NULL,
  version        integer NOT NULL,
  reason         text NOT NULL CHECK (reason IN ('staging', 'stale')),
  -- The ingestion attempt writing a 'staging' version: a second attempt on the same version takes
  -- the row over, and the first one's next batch or flip sees that it lost and stops.
  writer         text,
  -- The document version a 'staging' set is written for: recovery clears sets of older versions.
  document_version integer,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (document_id, version)
);
CREATE INDEX hidden_point_versions_collection_idx ON hidden_point_versions (collection_id);

-- BM25's N and total length count visible points only: hidden points are counted in by the flip
-- (which writes its own lexical_stat_deltas row) and never counted out when they are deleted.
-- Postings (point_terms) are written for every point; reads leave out those of hidden points.
CREATE OR REPLACE FUNCTION points_terms_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO point_terms (collection_id, term, point_id, tf, doc_len)
  SELECT n.collection_id, t.term, n.id, count(*)::int, n.lexical_length
    FROM new_rows n, unnest(string_to_array(n.lexical_terms, ' ')) AS t(term)
   WHERE n.lexical_terms <> '' AND t.term <> ''
   GROUP BY n.collection_id, t.term, n.id, n.lexical_length;
  INSERT INTO lexical_stat_deltas (collection_id, doc_delta, length_delta)
  SELECT n.collection_id, count(*), sum(n.lexical_length) FROM new_rows n
   WHERE NOT EXISTS (SELECT 1 FROM hidden_point_versions h WHERE h.document_id = n.document_id AND h.version = n.version)
   GROUP BY n.collection_id;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION points_terms_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM point_terms pt
   USING (SELECT DISTINCT o.collection_id, t.term, o.id
            FROM old_rows o, unnest(string_to_array(o.lexical_terms, ' ')) AS t(term)
           WHERE o.lexical_terms <> '') d
   WHERE pt.collection_id = d.collection_id AND pt.term = d.term AND pt.point_id = d.id;
  INSERT INTO lexical_stat_deltas (collection_id, doc_delta, length_delta)
  SELECT o.collection_id, -count(*), -sum(o.lexical_length) FROM old_rows o
   WHERE NOT EXISTS (SELECT 1 FROM hidden_point_versions h WHERE h.document_id = o.document_id AND h.version = o.version)
   GROUP BY o.collection_id;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION points_terms_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
     AND NOT EXISTS (SELECT 1 FROM hidden_point_versions h WHERE h.document_id = n.document_id AND h.version = n.version)
   GROUP BY n.collection_id;
  RETURN NULL;
END $$;
