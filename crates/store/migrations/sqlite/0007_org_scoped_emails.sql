-- no-transaction
-- Member emails are unique within an organization, not across all of them: a global unique
-- email told one organization's admins who belongs to another. SQLite cannot drop a column's
-- UNIQUE, so the table is rebuilt the documented way: foreign keys off (outside a
-- transaction), copy, swap, check, on again. The whole swap is one transaction.
-- Rows that writers change after reading them carry a version, so a write made from a stale
-- read is refused instead of undoing a concurrent change.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE members_new (
    id                  TEXT PRIMARY KEY,
    org_id              TEXT NOT NULL REFERENCES organizations(id),
    email               TEXT NOT NULL,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL,
    permission_group_id TEXT REFERENCES permission_groups(id),
    password_hash       TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    totp_state          TEXT NOT NULL DEFAULT 'none',
    totp_secret         BLOB,
    totp_last_step      INTEGER,
    recovery_codes      TEXT NOT NULL DEFAULT '[]',
    UNIQUE (org_id, email)
);
INSERT INTO members_new (id, org_id, email, name, role, permission_group_id, password_hash,
                         created_at, updated_at, totp_state, totp_secret, totp_last_step,
                         recovery_codes)
    SELECT id, org_id, email, name, role, permission_group_id, password_hash,
           created_at, updated_at, totp_state, totp_secret, totp_last_step, recovery_codes
    FROM members;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE INDEX members_org ON members(org_id, id);
CREATE INDEX members_email ON members(email);
ALTER TABLE tokens ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_users ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE permission_groups ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
COMMIT;
PRAGMA foreign_keys = ON;
