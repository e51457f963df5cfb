//! The audit trail, newest first.

use keyward_service::audit;
use keyward_store::AuditFilter;

use super::{List, checked_limit, cursor};
use crate::auth::Api;
use crate::error::{ApiResult, Json, Problem, Query};
pub use keyward_api::audit::AuditPage;
pub use keyward_api::{AuditExportQuery, AuditQuery};

/// The organization's audit events, newest first. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = Problem)))]
pub async fn list_audit_events(api: Api, Query(q): Query<AuditQuery>) -> ApiResult<Json<AuditPage>> {
    let read = api.read()?;
    let limit = checked_limit(q.limit)?;
    let filter = audit_filter(&q)?;
    let rows = audit::list(&read, &filter, limit + 1).await?;
    let page = List::paged(rows, limit + 1, |e| e.seq, std::convert::identity);
    Ok(Json(AuditPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

fn audit_filter(q: &AuditQuery) -> ApiResult<AuditFilter> {
    Ok(AuditFilter {
        actor_id: q.actor_id,
        action: q.action.clone(),
        target_id: q.target_id,
        since: q.since,
        until: q.until,
        before_seq: cursor(q.cursor.as_deref())?,
    })
}

/// The organization's audit events as CSV (newest first, at most 100 000; narrow the filters
/// for more). Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/audit-events/export", tag = "audit", params(AuditExportQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = Problem)))]
pub async fn export_audit_events(
    api: Api,
    Query(q): Query<AuditExportQuery>,
) -> ApiResult<axum::response::Response> {
    let filter = audit_filter(&q.into())?;
    let events = audit::export(&api.read()?, &filter).await?;
    Ok(crate::render::csv_response(audit::to_csv(&events)))
}
