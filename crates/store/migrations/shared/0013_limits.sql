-- Rate limits and credits. Limits are configuration, kept with what they limit (JSON lists).
-- A balance of credits is a row of its own, shared by a token and the tokens rotated from it,
-- or by all of an API user's tokens; nodes lease credits from it and report what they spent.
ALTER TABLE tokens ADD COLUMN ratelimits TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tokens ADD COLUMN credits_id TEXT;
ALTER TABLE api_users ADD COLUMN ratelimits TEXT NOT NULL DEFAULT '[]';
ALTER TABLE api_users ADD COLUMN credits_id TEXT;

CREATE TABLE credits (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id),
    -- Not yet handed to any node.
    remaining BIGINT NOT NULL,
    -- Handed to nodes, not yet reported spent or returned.
    leased BIGINT NOT NULL DEFAULT 0,
    refill_interval TEXT,
    refill_day BIGINT,
    refill_amount BIGINT,
    refill_start BIGINT NOT NULL,
    last_refill BIGINT NOT NULL,
    next_refill BIGINT,
    -- Raised by every refill and every "set": leases of an earlier period are void.
    period BIGINT NOT NULL DEFAULT 0,
    -- The alerts' 100 %: the refill amount, or the balance as last set or topped up.
    alert_base BIGINT NOT NULL,
    -- 0: none sent since the last refill or top-up; 1: "low" sent; 2: "exhausted" sent.
    alert_stage BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX credits_next_refill ON credits (next_refill) WHERE next_refill IS NOT NULL;
CREATE INDEX tokens_credits ON tokens (credits_id) WHERE credits_id IS NOT NULL;
