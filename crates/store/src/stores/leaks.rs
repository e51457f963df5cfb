//! Tokens reported leaked.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait LeakStore: Send + Sync {
    /// Records a leak unless the token is recorded as leaked already, and takes the leak's
    /// action on the token (revoke, suspend, or nothing) in the same transaction as its audit
    /// event and messages. Answers the token's hash when this call recorded it, so caches can
    /// drop it; `None` when the leak was known (a repeated report acts and alerts once).
    async fn record_leak(&self, leak: &TokenLeak, audit: &AuditRecord) -> StoreResult<Option<TokenHash>>;

    /// The recorded leaks among these tokens of an organization.
    async fn token_leaks(&self, org_id: Uuid, token_ids: &[Uuid]) -> StoreResult<Vec<TokenLeak>>;
}
