-- Two-factor authentication for members (dashboard and API login), as for API users.
ALTER TABLE members ADD COLUMN totp_state TEXT NOT NULL DEFAULT 'none';
ALTER TABLE members ADD COLUMN totp_secret BLOB;
ALTER TABLE members ADD COLUMN totp_last_step INTEGER;
ALTER TABLE members ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '[]';
