//! The audit trail, newest first.

use keyward_service::audit;
use keyward_store::{AuditEvent, AuditFilter};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{DEFAULT_PAGE, MAX_PAGE};
use crate::auth::Api;
use crate::error::{ApiError, ApiResult, Json, Problem, Query};
pub use keyward_api::audit::{AuditEventView, AuditPage, AuditQuery};

/// An audit event as the API shows it.
pub fn audit_view(e: AuditEvent) -> AuditEventView {
    {
        AuditEventView {
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

/// The organization's audit events, newest first. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = Problem)))]
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
        items: rows.into_iter().map(audit_view).collect(),
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
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = Problem)))]
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
