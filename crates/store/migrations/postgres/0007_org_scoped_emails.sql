-- Member emails are unique within an organization, not across all of them: a global unique
-- email told one organization's admins who belongs to another.
ALTER TABLE members DROP CONSTRAINT members_email_key;
ALTER TABLE members ADD CONSTRAINT members_org_email UNIQUE (org_id, email);
CREATE INDEX members_email ON members(email);
-- Rows that writers change after reading them carry a version, so a write made from a stale
-- read is refused instead of undoing a concurrent change.
ALTER TABLE tokens ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_users ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE permission_groups ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
