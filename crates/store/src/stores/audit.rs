//! The audit trail: appending, reading, and walking the chain.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait AuditStore: Send + Sync {
    // Audit.
    /// Appends an event on its own, for events with no other write (logins, refusals).
    async fn append_audit(&self, audit: &AuditRecord) -> StoreResult<()>;

    /// Newest first; `before_seq` continues a page.
    async fn list_audit(
        &self,
        org_id: Uuid,
        filter: &AuditFilter,
        limit: u32,
    ) -> StoreResult<Vec<AuditEvent>>;

    /// Walks the whole chain; answers how many events it holds, or where it breaks.
    async fn verify_audit_chain(&self) -> StoreResult<Result<u64, ChainBreak>>;
}
