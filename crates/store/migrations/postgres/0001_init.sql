-- keyward schema for PostgreSQL. Times are Unix milliseconds (BIGINT); ids are UUID text;
-- lists and metadata are JSON text. Token secrets are never stored: only their SHA-256.

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- One-time link that creates the first super admin of an empty installation.
CREATE TABLE setup_tokens (
    hash        BYTEA PRIMARY KEY,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE permission_groups (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE members (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    email               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL,
    permission_group_id TEXT REFERENCES permission_groups(id),
    password_hash       TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX members_org ON members(org_id, id);

CREATE TABLE sessions (
    hash        BYTEA PRIMARY KEY,
    member_id   TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);

CREATE TABLE integrations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    allowed_ips TEXT NOT NULL,
    public_url  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE api_users (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    username            TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL,
    status              TEXT NOT NULL,
    environment         TEXT NOT NULL,
    permission_group_id TEXT REFERENCES permission_groups(id),
    linked_member_id    TEXT REFERENCES members(id),
    integration_ids     TEXT NOT NULL,
    allowed_ips         TEXT NOT NULL,
    expires_at          BIGINT,
    contact_email       TEXT,
    external_id         TEXT,
    metadata            TEXT NOT NULL,
    password_hash       TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    deleted_at          BIGINT
);
CREATE UNIQUE INDEX api_users_username ON api_users(org_id, username) WHERE deleted_at IS NULL;
CREATE INDEX api_users_org ON api_users(org_id, id);

CREATE TABLE tokens (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id),
    api_user_id     TEXT NOT NULL REFERENCES api_users(id),
    name            TEXT NOT NULL,
    hint            TEXT NOT NULL,
    hash            BYTEA NOT NULL UNIQUE,
    permissions     TEXT,
    integration_id  TEXT REFERENCES integrations(id),
    allowed_ips     TEXT NOT NULL,
    expires_at      BIGINT,
    status          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    created_by      TEXT,
    revoked_at      BIGINT,
    last_used_at    BIGINT,
    last_used_ip    TEXT,
    use_count       BIGINT NOT NULL DEFAULT 0,
    rotated_from    TEXT
);
-- A name is unique among an API user's tokens that are not revoked.
CREATE UNIQUE INDEX tokens_live_name ON tokens(api_user_id, name) WHERE status <> 'revoked';
CREATE INDEX tokens_org ON tokens(org_id, id);
CREATE INDEX tokens_api_user ON tokens(api_user_id, id);

-- Verification counts per token, hour and result code, merged from every node's batches.
CREATE TABLE token_usage (
    token_id    TEXT NOT NULL,
    hour        BIGINT NOT NULL,
    code        TEXT NOT NULL,
    count       BIGINT NOT NULL,
    PRIMARY KEY (token_id, hour, code)
);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical fields).
CREATE TABLE audit_events (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    org_id       TEXT,
    at           BIGINT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT,
    actor_label  TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT,
    source_ip    TEXT,
    outcome      TEXT NOT NULL,
    details      TEXT NOT NULL,
    prev_hash    BYTEA NOT NULL,
    hash         BYTEA NOT NULL
);
CREATE INDEX audit_org ON audit_events(org_id, seq);

-- The chain's head, updated in the same transaction as each append, so that removing the
-- newest events is detected too.
CREATE TABLE audit_head (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  BYTEA NOT NULL
);

-- The head exists from the start, so that every append can lock it.
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
