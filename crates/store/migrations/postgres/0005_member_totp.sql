-- Two-factor authentication for members (dashboard and API login), as for API users.
ALTER TABLE members ADD COLUMN totp_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE members ADD COLUMN totp_secret BYTEA;
ALTER TABLE members ADD COLUMN totp_last_step BIGINT;
ALTER TABLE members ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '[]';
