-- Console sign-ins: an API key exchanged for a cookie. Only the token's sha256 is stored; the session
-- dies with its key (ON DELETE CASCADE), at expires_at, or when signed out.
CREATE TABLE console_sessions (
  token_hash  text PRIMARY KEY,
  key_id      text NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX console_sessions_expires_at_idx ON console_sessions (expires_at);
