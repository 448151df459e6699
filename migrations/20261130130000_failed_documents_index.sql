-- doc/status_summary lists the latest failed documents across collections; failures are few, so a
-- partial index keeps that lookup small however many documents are done.
CREATE INDEX documents_failed_recent_idx ON documents (updated_at DESC, id DESC) WHERE status = 1;
