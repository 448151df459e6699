-- Whether a collection follows the server's default embedding model: when EMBEDDING_MODEL changes,
-- such collections migrate to the new default at start-up (as collection/update would). Choosing a
-- model with collection/update pins the collection to it.
ALTER TABLE collections ADD COLUMN follows_default_embedding boolean NOT NULL DEFAULT true;
