-- Rate-limit windows shared by the nodes of one database: per limit (`key`) and bucket of its
-- window, the permits nodes were granted. Bucket -1 is the limit's lock row. Rows are dropped
-- once their bucket has left every window (`expires_at`, Unix milliseconds).
CREATE TABLE ratelimit_counts (
    key TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    count BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key, bucket)
);

CREATE INDEX ratelimit_counts_expiry ON ratelimit_counts (expires_at);

-- When a node last leased from or reported on a balance: leases no node has reported on for a
-- minute belonged to a node that died, and stop counting as remaining.
ALTER TABLE credits ADD COLUMN settled_at BIGINT NOT NULL DEFAULT 0;
