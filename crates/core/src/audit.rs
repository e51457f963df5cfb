//! An audit event as it is read back: who did what to what, when, from where, and how it went.
//! The store adds what the hash chain needs; the API and the exports show this part as it is.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

// No doc comment on the type: under `openapi` it would become the schema's description, and
// the API documents this schema by its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AuditEventView))]
pub struct AuditEntry {
    pub seq: i64,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `member`, `token`, `api_user`, `system` or `anonymous`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub source_ip: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Value,
}
