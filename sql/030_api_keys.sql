-- API keys for callers of the API. Only a SHA-256 of the secret is stored; keys are random 256-bit secrets,
-- so a plain hash is enough (no password-style stretching needed).
CREATE TYPE api_scope AS ENUM ('read', 'write', 'admin', 'router');

CREATE TABLE api_keys (
    key_id      text PRIMARY KEY CHECK (key_id ~ '^[a-f0-9]{12}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes      api_scope[] NOT NULL CHECK (cardinality(scopes) > 0),
    brand_ids   text[] NOT NULL CHECK (cardinality(brand_ids) > 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
