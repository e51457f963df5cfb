//! The audit trail, its filters and its CSV export.

use super::*;

#[derive(Deserialize, Default)]
pub struct AuditForm {
    actor_id: Option<String>,
    action: Option<String>,
    target_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    before: Option<i64>,
}

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub ip: String,
    pub outcome: String,
    pub details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    nav: Nav,
    rows: Vec<AuditRow>,
    actor_id: String,
    action: String,
    target_id: String,
    since: String,
    until: String,
    query: String,
    next: Option<i64>,
    error: Option<String>,
}

/// The filter a form describes; dates are whole days (UTC), `until` inclusive.
pub(super) fn audit_filter(q: &AuditForm) -> Result<keyward_store::AuditFilter, ApiError> {
    let id = |field: &'static str, v: &Option<String>| -> Result<Option<Uuid>, ApiError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Uuid::parse_str(s)
                .map(Some)
                .map_err(|_| ApiError::invalid(field, format!("{field} must be an id"))),
            None => Ok(None),
        }
    };
    let day = |field: &'static str, v: &Option<String>| -> Result<Option<OffsetDateTime>, ApiError> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                time::Date::parse(s, &fmt)
                    .map(|d| Some(d.midnight().assume_utc()))
                    .map_err(|_| ApiError::invalid(field, format!("{field} must be a date (YYYY-MM-DD)")))
            }
            None => Ok(None),
        }
    };
    Ok(keyward_store::AuditFilter {
        actor_id: id("actor", &q.actor_id)?,
        action: q.action.clone().filter(|a| !a.trim().is_empty()),
        target_id: id("target", &q.target_id)?,
        since: day("from", &q.since)?,
        until: day("to", &q.until)?.map(|d| d + Duration::days(1)),
        before_seq: q.before,
    })
}

pub async fn audit(State(state): State<AppState>, s: Session, Query(q): Query<AuditForm>) -> PageResult {
    if s.role().is_none() {
        return Err(PageError::SuperAdminsOnly);
    }
    const PAGE: u32 = 50;
    let (rows, next, error) = match audit_filter(&q) {
        Ok(filter) => {
            let mut events =
                keyward_service::audit::list(&state.service.read(&s.caller)?, &filter, PAGE + 1).await?;
            let more = events.len() > PAGE as usize;
            events.truncate(PAGE as usize);
            let next = if more { events.last().map(|e| e.seq) } else { None };
            (events, next, None)
        }
        Err(e) => (Vec::new(), None, Some(e.detail)),
    };
    let query = [
        ("actor_id", &q.actor_id),
        ("action", &q.action),
        ("target_id", &q.target_id),
        ("since", &q.since),
        ("until", &q.until),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (*k, v)))
    .fold(
        form_urlencoded::Serializer::new(String::new()),
        |mut ser, (k, v)| {
            ser.append_pair(k, v);
            ser
        },
    )
    .finish();
    Ok(html(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &AuditPage {
            nav: Nav::new(&s, "audit"),
            rows: rows
                .into_iter()
                .map(|e| AuditRow {
                    at: date(Some(e.at)),
                    actor: e.actor_label,
                    action: e.action,
                    target: format!(
                        "{}{}",
                        e.target_type,
                        e.target_id.map(|t| format!(" {t}")).unwrap_or_default()
                    ),
                    ip: e.source_ip.unwrap_or_default(),
                    outcome: e.outcome,
                    details: e.details.to_string(),
                })
                .collect(),
            actor_id: q.actor_id.clone().unwrap_or_default(),
            action: q.action.clone().unwrap_or_default(),
            target_id: q.target_id.clone().unwrap_or_default(),
            since: q.since.clone().unwrap_or_default(),
            until: q.until.clone().unwrap_or_default(),
            query,
            next,
            error,
        },
    ))
}

pub async fn audit_csv(State(state): State<AppState>, s: Session, Query(q): Query<AuditForm>) -> PageResult {
    if s.role().is_none() {
        return Err(PageError::SuperAdminsOnly);
    }
    let filter = audit_filter(&q)?;
    let events = keyward_service::audit::export(&state.service.read(&s.caller)?, &filter).await?;
    Ok(crate::render::csv_response(keyward_service::audit::to_csv(
        &events,
    )))
}
