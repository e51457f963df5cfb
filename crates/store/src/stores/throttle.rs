//! Failed-login throttling, shared by every node.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ThrottleStore: Send + Sync {
    // Failed-login throttling, shared by every node.
    /// The remembered state of each of `keys` that has one.
    async fn throttle_states(&self, keys: &[&str]) -> StoreResult<Vec<(String, ThrottleState)>>;

    /// Counts one failure against `key` under `policy`, atomically across nodes; answers the
    /// new state.
    async fn throttle_fail(
        &self,
        key: &str,
        policy: &ThrottlePolicy,
        now: OffsetDateTime,
    ) -> StoreResult<ThrottleState>;

    /// Forgets a key's failures and lockouts (a success, or an administrator's unlock).
    async fn throttle_clear(&self, key: &str) -> StoreResult<()>;

    /// Deletes states that no longer matter; answers how many.
    async fn throttle_prune(&self, now: OffsetDateTime) -> StoreResult<u64>;
}
