//! The transactional outbox of emails and webhooks.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait OutboxStore: Send + Sync {
    // Outbox.
    /// Claims up to `limit` messages due at `now` for delivery until `lease_until`; a node that
    /// dies mid-delivery loses its claim when the lease ends, and another node takes over.
    /// Without `include_email` (no SMTP configured), emails stay where they are.
    async fn claim_outbox(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: u32,
        include_email: bool,
    ) -> StoreResult<Vec<OutboxItem>>;

    async fn outbox_delivered(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()>;

    /// Records a failed attempt: retried at `retry_at`, or dead when `None`.
    async fn outbox_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>)
    -> StoreResult<()>;

    async fn list_outbox(
        &self,
        org_id: Uuid,
        status: Option<OutboxStatus>,
        page: Page,
    ) -> StoreResult<Vec<OutboxItem>>;

    async fn get_outbox(&self, org_id: Uuid, id: Uuid) -> StoreResult<OutboxItem>;

    /// Queues a message again for delivery now, with a fresh count of attempts.
    async fn resend_outbox(
        &self,
        org_id: Uuid,
        id: Uuid,
        now: OffsetDateTime,
        audit: &AuditRecord,
    ) -> StoreResult<()>;
}
