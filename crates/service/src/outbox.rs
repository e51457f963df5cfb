//! The outbox of emails and webhooks, as administrators see and steer it.

use keyward_store::OutboxItem;
use uuid::Uuid;

use crate::context::Manage;
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
