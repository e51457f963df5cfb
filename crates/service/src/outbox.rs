//! The outbox of emails and webhooks, as administrators see and steer it.

use keyward_store::{OutboxItem, OutboxStatus, Page};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Service;

use crate::context::{Manage, Read};
use crate::error::{ServiceResult, missing};

/// Queues a message again for delivery now (a dead one, or a delivered one someone lost), with
/// a fresh count of attempts, and wakes this node's worker for it.
pub async fn resend(m: &Manage<'_>, id: Uuid) -> ServiceResult<OutboxItem> {
    let s = m.service();
    let now = s.now();
    let audit = m.record(now, "outbox.resend", "message", Some(id), serde_json::json!({}));
    s.store
        .resend_outbox(m.org_id(), id, now, &audit)
        .await
        .map_err(missing("message"))?;
    s.notifier.wake();
    Ok(s.store.get_outbox(m.org_id(), id).await?)
}

/// A page of the organization's messages, optionally of one status.
pub async fn list(r: &Read<'_>, status: Option<OutboxStatus>, page: Page) -> ServiceResult<Vec<OutboxItem>> {
    Ok(r.service().store.list_outbox(r.org_id(), status, page).await?)
}

/// One message of the organization.
pub async fn get(r: &Read<'_>, id: Uuid) -> ServiceResult<OutboxItem> {
    let found = r.service().store.get_outbox(r.org_id(), id).await;
    found.map_err(missing("message"))
}

/// Claims up to `batch` due messages for this node for `lease` (emails only when `with_email`:
/// without SMTP they wait in the outbox).
pub async fn claim_due(
    s: &Service,
    lease: Duration,
    batch: u32,
    with_email: bool,
) -> ServiceResult<Vec<OutboxItem>> {
    let now = s.now();
    Ok(s.store.claim_outbox(now, now + lease, batch, with_email).await?)
}

/// Records a delivery.
pub async fn delivered(s: &Service, id: Uuid) -> ServiceResult<()> {
    Ok(s.store.outbox_delivered(id, s.now()).await?)
}

/// Records a failed attempt: tried again at `retry_at`, or dead when `None`.
pub async fn failed(
    s: &Service,
    id: Uuid,
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> ServiceResult<()> {
    Ok(s.store.outbox_failed(id, error, retry_at).await?)
}
