-- Companion of word-vector-recall.py: HNSW recall@10 of its vectors in pgvector (m 16,
-- ef_construction 64, as fjord builds), against an exact scan. psql -v dir=<the script's out_dir>.
DROP TABLE IF EXISTS wv_chunks, wv_queries;
CREATE TABLE wv_chunks (id int PRIMARY KEY, v vector(100));
CREATE TABLE wv_queries (id int PRIMARY KEY, v vector(100));
\set chunks :dir '/x.tsv'
\set queries :dir '/q.tsv'
COPY wv_chunks FROM :'chunks';
COPY wv_queries FROM :'queries';
SET maintenance_work_mem = '512MB';
CREATE INDEX ON wv_chunks USING hnsw (v vector_cosine_ops) WITH (m = 16, ef_construction = 64);
SET max_parallel_workers_per_gather = 0;
DO $$
DECLARE q record; started timestamptz; ms float8; recall float8; exact int[]; approx int[]; ef int;
BEGIN
  FOREACH ef IN ARRAY ARRAY[40, 100, 200, 300] LOOP
    PERFORM set_config('hnsw.ef_search', ef::text, false);
    ms := 0; recall := 0;
    FOR q IN SELECT v FROM wv_queries LOOP
      SET LOCAL enable_indexscan = off;
      SELECT array_agg(id) INTO exact FROM (SELECT id FROM wv_chunks ORDER BY v <=> q.v, id LIMIT 10) s;
      SET LOCAL enable_indexscan = on;
      started := clock_timestamp();
      SELECT array_agg(id) INTO approx FROM (SELECT id FROM wv_chunks ORDER BY v <=> q.v LIMIT 10) s;
      ms := ms + extract(epoch FROM clock_timestamp() - started) * 1000;
      recall := recall + (SELECT count(*) FROM unnest(approx) x WHERE x = ANY (exact))::float8 / 10;
    END LOOP;
    RAISE NOTICE 'ef_search %: recall@10 %, % ms per query', ef, round((recall / 200)::numeric, 3), round((ms / 200)::numeric, 2);
  END LOOP;
END $$;
DROP TABLE wv_chunks, wv_queries;
