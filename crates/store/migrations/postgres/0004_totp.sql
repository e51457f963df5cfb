-- Two-factor login for API users (auth_method password_totp): the TOTP seed, encrypted like the
-- signing keys; the last time step accepted, so a code works once; recovery codes, hashed.
ALTER TABLE api_users ADD COLUMN totp_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE api_users ADD COLUMN totp_secret BYTEA;
ALTER TABLE api_users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE api_users ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '[]';
