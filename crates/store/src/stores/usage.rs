//! Usage batches from the verify path, usage series, and monitoring alerts.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Merges usage batches: latest time wins, counts add up, source IPs and their networks are
    /// remembered. One transaction. Answers the networks each token was used from for the
    /// first time, for monitoring.
    async fn record_usage(&self, updates: &[UsageUpdate]) -> StoreResult<Vec<NewNetwork>>;

    async fn token_usage(
        &self,
        org_id: Uuid,
        token_id: Uuid,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<UsagePoint>>;

    // Usage and monitoring.
    /// Verification counts per hour and code, for a token, an API user's tokens, or (both
    /// `None`) the whole organization, from `since`.
    async fn usage_series(
        &self,
        org_id: Uuid,
        token_id: Option<Uuid>,
        api_user_id: Option<Uuid>,
        since: OffsetDateTime,
    ) -> StoreResult<Vec<UsageSeriesPoint>>;

    /// Records an alert unless the same one (kind, subject, window) was raised before, queuing
    /// its messages in the same transaction; answers whether it was new.
    async fn raise_alert(&self, alert: &InsightAlert, audit: &AuditRecord) -> StoreResult<bool>;

    /// Verification counts per token and code in `[from, to)`, across organizations, for
    /// monitoring.
    async fn usage_totals(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> StoreResult<Vec<(Uuid, Uuid, VerifyCode, i64)>>;

    /// Alerts raised in an organization since a time, newest first.
    async fn list_alerts(
        &self,
        org_id: Uuid,
        since: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Vec<InsightAlert>>;
}
