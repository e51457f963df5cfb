//! Expiry reminders, each stage once across nodes.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ReminderStore: Send + Sync {
    /// Tokens and API users whose next reminder stage is due at `now`, soonest expiry first.
    async fn due_reminders(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<DueReminder>>;

    /// Moves a credential to the reminder's stage and queues its messages (in `audit.outbox`),
    /// unless another node did so first or its expiry changed since; answers whether it did.
    async fn advance_reminder(&self, due: &DueReminder, audit: &AuditRecord) -> StoreResult<bool>;
}
