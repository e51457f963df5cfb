//! OAuth signing keys and revoked access tokens.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait OAuthStore: Send + Sync {
    /// Keys still published (signing or not yet expired), newest first.
    async fn signing_keys(&self, now: OffsetDateTime) -> StoreResult<Vec<SigningKeyRecord>>;

    /// Adds a signing key; keys signing until now retire, published until `old_publish_until`.
    async fn add_signing_key(
        &self,
        key: &SigningKeyRecord,
        old_publish_until: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    async fn revoke_access_token(
        &self,
        jti: &str,
        org_id: Uuid,
        expires_at: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;

    async fn access_token_revoked(&self, jti: &str) -> StoreResult<bool>;
}
