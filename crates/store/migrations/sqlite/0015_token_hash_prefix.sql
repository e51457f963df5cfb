-- no-transaction
-- Tokens are found by an index of their hash's first 8 bytes instead of all 32. The index is a
-- third the size, and a bulk import of random hashes rewrites most of its pages in every
-- batch, so a million imported tokens write that much less (docs/PERFORMANCE.md, 2026-12-06).
-- It is unique: stricter than a unique hash, and two of a million random hashes share their
-- first 8 bytes about once in 40 million such tables. Lookups give the prefix and the hash.
-- SQLite cannot drop a column's UNIQUE, so the table is rebuilt as in 0007.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE tokens_new (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id),
    api_user_id     TEXT NOT NULL REFERENCES api_users(id),
    name            TEXT NOT NULL,
    hint            TEXT NOT NULL,
    hash            BLOB NOT NULL,
    permissions     TEXT,
    integration_id  TEXT REFERENCES integrations(id),
    allowed_ips     TEXT NOT NULL,
    expires_at      INTEGER,
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT,
    revoked_at      INTEGER,
    last_used_at    INTEGER,
    last_used_ip    TEXT,
    use_count       INTEGER NOT NULL DEFAULT 0,
    rotated_from    TEXT,
    reminder_stage  INTEGER NOT NULL DEFAULT 0,
    replaced_by     TEXT,
    version         INTEGER NOT NULL DEFAULT 0,
    imported_from   TEXT,
    imported_at     INTEGER,
    metadata        TEXT NOT NULL DEFAULT '{}',
    ratelimits      TEXT NOT NULL DEFAULT '[]',
    credits_id      TEXT
);
INSERT INTO tokens_new (id, org_id, api_user_id, name, hint, hash, permissions, integration_id,
                        allowed_ips, expires_at, status, created_at, created_by, revoked_at,
                        last_used_at, last_used_ip, use_count, rotated_from, reminder_stage,
                        replaced_by, version, imported_from, imported_at, metadata, ratelimits,
                        credits_id)
    SELECT id, org_id, api_user_id, name, hint, hash, permissions, integration_id,
           allowed_ips, expires_at, status, created_at, created_by, revoked_at,
           last_used_at, last_used_ip, use_count, rotated_from, reminder_stage,
           replaced_by, version, imported_from, imported_at, metadata, ratelimits,
           credits_id
    FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_new RENAME TO tokens;
CREATE UNIQUE INDEX tokens_hash_prefix ON tokens (substr(hash, 1, 8));
CREATE UNIQUE INDEX tokens_live_name ON tokens (api_user_id, name) WHERE status <> 'revoked' AND replaced_by IS NULL;
CREATE INDEX tokens_org ON tokens (org_id, id);
CREATE INDEX tokens_api_user ON tokens (api_user_id, id);
CREATE INDEX tokens_expiry ON tokens (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX tokens_credits ON tokens (credits_id) WHERE credits_id IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
