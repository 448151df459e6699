-- Volcengine V4 access-key pairs minted at run time. The secret key must be recoverable to verify
-- signatures, so it is stored encrypted (AES-256-GCM) with a server secret that is not in the database.
CREATE TABLE access_keys (
  access_key_id     text PRIMARY KEY,
  secret_ciphertext text NOT NULL,
  description       text NOT NULL DEFAULT '',
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Admin keys minted through the key endpoints carry a description, so an operator can tell them apart.
ALTER TABLE api_keys ADD COLUMN description text NOT NULL DEFAULT '';
