//! The audit trail, as the API pages through it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An audit event as the API shows it.
pub type AuditEventView = keyward_core::audit::AuditEntry;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    pub next_cursor: Option<String>,
}
