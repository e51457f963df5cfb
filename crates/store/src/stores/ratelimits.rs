//! Rate-limit windows shared by the nodes of one database.

use async_trait::async_trait;

use crate::*;

/// A grant of permits of one limit, as storage counts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermitRequest {
    /// The limit's key: its owner and rule.
    pub key: String,
    pub limit: u64,
    /// The bucket the permits are counted in (the last bucket they may be used in).
    pub bucket: i64,
    /// The first bucket whose counts still matter to this grant: every count from here on,
    /// later buckets included, is weighed against `limit`.
    pub since: i64,
    /// At least 1, as many as this.
    pub want: u64,
    /// When the row may be dropped (Unix milliseconds).
    pub expires_at_ms: i64,
}

#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Grants permits of one limit, atomically across nodes: at least 1 and up to `want`, at
    /// most half of what is left unless that is below 1, none when nothing is left. Answers
    /// (granted, left after the grant).
    async fn lease_permits(&self, request: &PermitRequest) -> StoreResult<(u64, u64)>;

    /// Takes back permits granted and not used: (key, bucket, count).
    async fn return_permits(&self, unused: &[(String, i64, u64)]) -> StoreResult<()>;

    /// Drops counts that no window holds any more; answers how many.
    async fn prune_permits(&self, now_ms: i64) -> StoreResult<u64>;
}
