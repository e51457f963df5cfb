-- API users that log in (OAuth 2.0 client credentials): their authentication method, the keys
-- that sign access tokens (private halves encrypted), installation secrets, and access tokens
-- revoked before they expire.

ALTER TABLE api_users ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'token';

CREATE TABLE signing_keys (
    kid           TEXT PRIMARY KEY,
    algorithm     TEXT NOT NULL,
    public_key    BLOB NOT NULL,
    -- 12-byte nonce followed by the AES-256-GCM ciphertext of the PKCS#8 private key.
    private_key   BLOB NOT NULL,
    created_at    INTEGER NOT NULL,
    -- Set when a newer key takes over signing.
    retired_at    INTEGER,
    -- The key stays in the JWKS until every token it signed has expired.
    publish_until INTEGER
);

-- Secrets keyward generates for itself (such as the key-encryption key when none is configured).
CREATE TABLE installation_secrets (
    name        TEXT PRIMARY KEY,
    value       BLOB NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE revoked_access_tokens (
    jti         TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL
);
