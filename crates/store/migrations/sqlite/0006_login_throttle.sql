-- Failed-login counts and lockouts, per account and per client address, shared by every node
-- so that limits and an administrator's unlock hold across the cluster.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  BIGINT NOT NULL,
    lockouts      INTEGER NOT NULL,
    locked_until  BIGINT,
    -- When the row can be deleted (its window and lockout are over).
    forget_after  BIGINT NOT NULL
);
CREATE INDEX login_throttle_forget ON login_throttle (forget_after);
