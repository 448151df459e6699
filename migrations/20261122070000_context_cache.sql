-- Ark Context API (api.md section 2): contexts and their session history.
-- `messages` are the stored prefix given at create ([{role, content, tokens}]); `prefix_tokens` their sum.
-- Session turns live in context_messages, one row per message, grouped by `turn`, so concurrent
-- chats append rows instead of rewriting one value, and truncation deletes whole old turns.
CREATE TABLE contexts (
  id             text PRIMARY KEY,
  model          text NOT NULL,
  mode           text NOT NULL CHECK (mode IN ('session', 'common_prefix')),
  ttl_seconds    integer NOT NULL CHECK (ttl_seconds > 0),
  truncation     jsonb,
  messages       jsonb NOT NULL,
  prefix_tokens  integer NOT NULL,
  -- Set for prefix contexts created by fjord itself (knowledge chat): sha256 of model + messages.
  prefix_hash    text,
  turns          integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX contexts_prefix_hash_idx ON contexts (prefix_hash) WHERE prefix_hash IS NOT NULL;
-- The sweep deletes by expiry.
CREATE INDEX contexts_expires_at_idx ON contexts (expires_at);

CREATE TABLE context_messages (
  context_id  text NOT NULL REFERENCES contexts (id) ON DELETE CASCADE,
  turn        integer NOT NULL,
  position    smallint NOT NULL,
  role        text NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
  content     text NOT NULL,
  tokens      integer NOT NULL,
  PRIMARY KEY (context_id, turn, position)
);
