//! The audit trail, newest first.

use keyward_service::audit;
use keyward_store::{AuditEvent, AuditFilter};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::auth::Api;
use crate::error::{ApiError, ApiResult, Json, Problem, Query};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Member or token id.
    pub actor_id: Option<Uuid>,
    /// An action such as `token.create`, or a prefix such as `token`.
    pub action: Option<String>,
    pub target_id: Option<Uuid>,
    /// RFC 3339 time, inclusive.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>)]
    pub since: Option<OffsetDateTime>,
    /// RFC 3339 time, exclusive.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>)]
    pub until: Option<OffsetDateTime>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    pub id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// `member`, `token`, `system` or `anonymous`.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub source_ip: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditEvent> for AuditEventView {
    fn from(e: AuditEvent) -> Self {
        Self {
            seq: e.seq,
            id: e.id,
            at: e.at,
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            actor_label: e.actor_label,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            source_ip: e.source_ip,
            outcome: e.outcome,
            details: e.details,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    pub next_cursor: Option<String>,
}

/// The organization's audit events, newest first. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_audit_events(api: Api, Query(q): Query<AuditQuery>) -> ApiResult<Json<AuditPage>> {
    let read = api.read()?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and {MAX_PAGE}"),
        ));
    }
    let before_seq = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| ApiError::bad_request("invalid_query", "cursor is not valid"))?,
        ),
        None => None,
    };
    let filter = AuditFilter {
        actor_id: q.actor_id,
        action: q.action,
        target_id: q.target_id,
        since: q.since,
        until: q.until,
        before_seq,
    };
    let mut rows = audit::list(&read, &filter, limit + 1).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(Json(AuditPage {
        items: rows.into_iter().map(AuditEventView::from).collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditExportQuery {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub target_id: Option<Uuid>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>)]
    pub since: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[param(value_type = Option<String>)]
    pub until: Option<OffsetDateTime>,
}

/// The organization's audit events as CSV (newest first, at most 100 000; narrow the filters
/// for more). Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/audit-events/export", tag = "audit", params(AuditExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn export_audit_events(
    api: Api,
    Query(q): Query<AuditExportQuery>,
) -> ApiResult<axum::response::Response> {
    let filter = AuditFilter {
        actor_id: q.actor_id,
        action: q.action,
        target_id: q.target_id,
        since: q.since,
        until: q.until,
        before_seq: None,
    };
    let events = audit::export(&api.read()?, &filter).await?;
    Ok(crate::render::csv_response(audit::to_csv(&events)))
}
