-- Credential lifecycle: organization settings (expiry policy, monitoring thresholds), reminder
-- stages, rotation, webhook endpoints, the outbox of emails and webhooks, and what monitoring
-- needs to remember.

ALTER TABLE organizations ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';

-- How far along its expiry a credential's reminders are (see ReminderStage).
ALTER TABLE tokens ADD COLUMN reminder_stage INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_users ADD COLUMN reminder_stage INTEGER NOT NULL DEFAULT 0;

-- A rotated token lives on for its grace period beside its replacement, under the same name.
ALTER TABLE tokens ADD COLUMN replaced_by TEXT;
DROP INDEX tokens_live_name;
CREATE UNIQUE INDEX tokens_live_name ON tokens(api_user_id, name) WHERE status <> 'revoked' AND replaced_by IS NULL;

CREATE INDEX tokens_expiry ON tokens(expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX api_users_expiry ON api_users(expires_at) WHERE expires_at IS NOT NULL;

CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id),
    url         TEXT NOT NULL,
    description TEXT NOT NULL,
    events      TEXT NOT NULL,
    secret      TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints(org_id, id);

-- Messages written in the same transaction as the event that caused them, delivered at least
-- once by whichever node claims them first. One row per recipient (an email address or a
-- webhook endpoint), so one failing recipient does not hold back or repeat the others.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id),
    channel         TEXT NOT NULL,
    event           TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_org ON outbox(org_id, id);

-- Distinct source IPs per token and hour.
CREATE TABLE token_usage_ips (
    token_id    TEXT NOT NULL,
    hour        INTEGER NOT NULL,
    ip          TEXT NOT NULL,
    PRIMARY KEY (token_id, hour, ip)
);

-- The IP networks each token has been used from, to notice a new one.
CREATE TABLE token_networks (
    token_id    TEXT NOT NULL,
    network     TEXT NOT NULL,
    first_seen  INTEGER NOT NULL,
    PRIMARY KEY (token_id, network)
);

-- Monitoring alerts already raised, so each fires once per subject and window.
CREATE TABLE insight_alerts (
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    window_key  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    details     TEXT NOT NULL,
    PRIMARY KEY (org_id, kind, subject_id, window_key)
);
