//! The audit trail, its filters and its CSV export.

use std::collections::HashMap;

use serde::Serialize;

use super::*;

/// The page's filters, read from its query string and written back into its links (the CSV
/// export, older events) without the empty ones or the page's own position.
#[derive(Deserialize, Serialize, Default)]
pub struct AuditForm {
    /// A name (username, email, group or integration name, `username/token`) or an id.
    #[serde(alias = "actor_id", skip_serializing_if = "blank")]
    actor: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    action: Option<String>,
    #[serde(alias = "target_id", skip_serializing_if = "blank")]
    target: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    since: Option<String>,
    #[serde(skip_serializing_if = "blank")]
    until: Option<String>,
    #[serde(skip_serializing)]
    before: Option<i64>,
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(str::is_empty)
}

/// Someone or something in a row: its name now, and its dashboard page when it has one.
pub struct Party {
    pub label: String,
    pub link: Option<String>,
}

pub struct AuditRow {
    pub at: String,
    pub actor: Party,
    pub action: String,
    pub target: Party,
    pub ip: String,
    pub outcome: String,
    pub details: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub(super) struct AuditPage {
    nav: Nav,
    rows: Vec<AuditRow>,
    actor: String,
    action: String,
    actions: Vec<(&'static str, Vec<&'static str>)>,
    target: String,
    since: String,
    until: String,
    query: String,
    next: Option<i64>,
    error: Option<String>,
}

/// The filter a form describes; names become ids, dates are whole days (UTC), `until`
/// inclusive.
pub(super) async fn audit_filter(
    read: &Read<'_>,
    q: &AuditForm,
) -> Result<keyward_store::AuditFilter, ApiError> {
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
    let name = async |field: &'static str, v: &Option<String>| {
        ops::audit_names::resolve(read, field, v.as_deref().unwrap_or(""))
            .await
            .map_err(ApiError::from)
    };
    Ok(keyward_store::AuditFilter {
        actor_id: name("actor", &q.actor).await?,
        action: q.action.clone().filter(|a| !a.trim().is_empty()),
        target_id: name("target", &q.target).await?,
        since: day("from", &q.since)?,
        until: day("to", &q.until)?.map(|d| d + Duration::days(1)),
        before_seq: q.before,
    })
}

/// The dashboard page of a record the trail names.
fn page_of(kind: &str, id: Uuid) -> Option<String> {
    match kind {
        "api_user" => Some(format!("/dashboard/api-users/{id}")),
        "token" => Some(format!("/dashboard/tokens/{id}")),
        "member" => Some("/dashboard/members".into()),
        "permission_group" => Some("/dashboard/groups".into()),
        "integration" => Some("/dashboard/integrations".into()),
        "route" => Some("/dashboard/endpoints".into()),
        _ => None,
    }
}

/// An event's details as "key: value" lines; nested objects by dotted keys, lists joined, ids
/// of records that still exist by their names.
fn detail_pairs(details: &serde_json::Value, names: &HashMap<Uuid, String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk_details("", details, names, &mut out);
    out.retain(|(k, _)| !k.is_empty());
    // "api_user_id" reads "api user": the value is its name now.
    for (k, _) in &mut out {
        let plain = k
            .strip_suffix("_ids")
            .or_else(|| k.strip_suffix("_id"))
            .unwrap_or(k);
        *k = plain.replace('_', " ");
    }
    out
}

fn walk_details(
    prefix: &str,
    v: &serde_json::Value,
    names: &HashMap<Uuid, String>,
    out: &mut Vec<(String, String)>,
) {
    let text = |v: &serde_json::Value| match v.as_str() {
        Some(s) => Uuid::parse_str(s)
            .ok()
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| s.to_owned()),
        None => v.to_string(),
    };
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                walk_details(&key, v, names, out);
            }
        }
        serde_json::Value::Array(items) if items.is_empty() => out.push((prefix.to_owned(), "none".into())),
        serde_json::Value::Array(items) => out.push((
            prefix.to_owned(),
            items.iter().map(text).collect::<Vec<_>>().join(", "),
        )),
        serde_json::Value::Null => out.push((prefix.to_owned(), "none".into())),
        other => out.push((prefix.to_owned(), text(other))),
    }
}

/// The actions, grouped by what they act on, for the filter's list.
fn action_groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut groups: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for a in keyward_store::AUDIT_ACTIONS {
        let kind = a.split('.').next().unwrap_or(a);
        match groups.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, list)) => list.push(a),
            None => groups.push((kind, vec![a])),
        }
    }
    groups
}

pub async fn audit(State(state): State<AppState>, s: Session, Query(q): Query<AuditForm>) -> PageResult {
    if s.role().is_none() {
        return Err(PageError::SuperAdminsOnly);
    }
    const PAGE: u32 = 50;
    let read = state.service.read(&s.caller)?;
    let (events, next, error) = match audit_filter(&read, &q).await {
        Ok(filter) => {
            let mut events = ops::audit::list(&read, &filter, PAGE + 1).await?;
            let more = events.len() > PAGE as usize;
            events.truncate(PAGE as usize);
            let next = if more { events.last().map(|e| e.seq) } else { None };
            (events, next, None)
        }
        Err(e) => (Vec::new(), None, Some(e.detail)),
    };
    let names = ops::audit_names::names(&read, &events).await?;
    let party = |kind: &str, id: Option<Uuid>, fallback: String| match id {
        Some(id) => Party {
            label: names.get(&id).cloned().unwrap_or(fallback),
            link: names.contains_key(&id).then(|| page_of(kind, id)).flatten(),
        },
        None => Party {
            label: fallback,
            link: None,
        },
    };
    let rows = events
        .into_iter()
        .map(|e| {
            // A record deleted since: what the event itself says, else its kind and short id.
            let gone = e
                .target_id
                .map(|id| {
                    let said = ["username", "name", "email"]
                        .iter()
                        .find_map(|k| e.details[k].as_str().map(str::to_owned));
                    said.unwrap_or_else(|| {
                        format!("{} {}", e.target_type.replace('_', " "), &id.to_string()[..8])
                    })
                })
                .unwrap_or_else(|| e.target_type.replace('_', " "));
            AuditRow {
                at: date(Some(e.at)),
                actor: party(&e.actor_kind, e.actor_id, e.actor_label.clone()),
                target: party(&e.target_type, e.target_id, gone),
                action: e.action,
                ip: e.source_ip.unwrap_or_default(),
                outcome: e.outcome,
                details: detail_pairs(&e.details, &names),
            }
        })
        .collect();
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    Ok(html(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &AuditPage {
            nav: Nav::new(&s, "audit"),
            rows,
            actor: q.actor.clone().unwrap_or_default(),
            action: q.action.clone().unwrap_or_default(),
            actions: action_groups(),
            target: q.target.clone().unwrap_or_default(),
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
    let read = state.service.read(&s.caller)?;
    let filter = audit_filter(&read, &q).await?;
    let events = keyward_service::audit::export(&read, &filter).await?;
    Ok(crate::render::csv_response(keyward_service::audit::to_csv(
        &events,
    )))
}
