-- Tokens reported leaked (by GitHub's or GitLab's secret scanning, or `keyward scan --report`).
-- One row per token: a report repeated changes nothing, so each leak is acted on and announced
-- once.
CREATE TABLE leaked_tokens (
    token_id     TEXT PRIMARY KEY REFERENCES tokens (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    reported_at  BIGINT NOT NULL,
    -- Where it was found (a URL), and who said so (github, gitlab, keyward).
    source_url   TEXT NOT NULL,
    reporter     TEXT NOT NULL,
    -- What was done: revoke, suspend or notify.
    action       TEXT NOT NULL
);
CREATE INDEX leaked_tokens_org ON leaked_tokens (org_id);
