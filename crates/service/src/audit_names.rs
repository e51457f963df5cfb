//! The audit trail stores ids; people read and search it by name. This names the ids of a page
//! of events as they are called now, and turns a name typed into a filter back into its id.

use std::collections::HashMap;

use keyward_core::audit::AuditEntry;
use keyward_store::{Page, StoreError, TokenFilter};
use uuid::Uuid;

use crate::context::Read;
use crate::error::{ServiceError, ServiceResult};

/// What an id in the trail names, readably: "crm-sync", "crm-sync / prod", "ada@acme.io".
/// `None` when the record is gone (deleted since), so the reader falls back to what the event
/// itself says.
pub async fn label(r: &Read<'_>, kind: &str, id: Uuid) -> ServiceResult<Option<String>> {
    let store = &r.service().store;
    let org = r.org_id();
    let found = match kind {
        "token" => match store.get_token(org, id).await {
            Ok(t) => match store.get_api_user(org, t.api_user_id).await {
                Ok(u) => Ok(format!("{} / {}", u.username, t.name)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        "api_user" => store.get_api_user(org, id).await.map(|u| u.username),
        "member" => store.get_member(org, id).await.map(|m| m.email),
        "permission_group" => store.get_group(org, id).await.map(|g| g.name),
        "integration" => store.get_integration(org, id).await.map(|i| i.name),
        "route" => store
            .get_route(org, id)
            .await
            .map(|r| format!("{} {}", r.method, r.path)),
        "webhook" => store.get_webhook(org, id).await.map(|w| w.url),
        "organization" if id == org => store.get_organization(org).await.map(|o| o.name),
        _ => return Ok(None),
    };
    match found {
        Ok(name) => Ok(Some(name)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The current names of every target (by type) and acting API user or token on a page of
/// events, looked up once per id.
pub async fn names(r: &Read<'_>, events: &[AuditEntry]) -> ServiceResult<HashMap<Uuid, String>> {
    let mut wanted: Vec<(&str, Uuid)> = Vec::new();
    for e in events {
        if let Some(id) = e.target_id {
            wanted.push((e.target_type.as_str(), id));
        }
        if let Some(id) = e.actor_id {
            wanted.push((e.actor_kind.as_str(), id));
        }
        // Ids inside the details ("api_user_id", "replaced_by", "integration_ids", …).
        for (key, value) in e.details.as_object().into_iter().flatten() {
            let Some(kind) = detail_kind(key) else { continue };
            let values = match value {
                serde_json::Value::Array(items) => items.iter().collect(),
                one => vec![one],
            };
            for v in values {
                if let Some(id) = v.as_str().and_then(|s| Uuid::parse_str(s).ok()) {
                    wanted.push((kind, id));
                }
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = HashMap::new();
    for (kind, id) in wanted {
        if let Some(name) = label(r, kind, id).await? {
            out.insert(id, name);
        }
    }
    Ok(out)
}

/// What kind of record a details key holds the id of.
pub fn detail_kind(key: &str) -> Option<&'static str> {
    Some(match key {
        "api_user_id" => "api_user",
        "token_id" | "replaced_by" | "rotated_from" | "rotated_to" | "new_token_id" | "old_token_id" => {
            "token"
        }
        "permission_group_id" | "group_id" => "permission_group",
        "integration_id" | "integration_ids" => "integration",
        "member_id" | "linked_member_id" => "member",
        "route_id" => "route",
        "webhook_id" => "webhook",
        _ => return None,
    })
}

/// The id a filter's text names: an id as given, else the one API user (username), member
/// (email), permission group, integration or token (`username/name`) called that. Nothing, or
/// more than one, is refused with what was found.
pub async fn resolve(r: &Read<'_>, field: &'static str, text: &str) -> ServiceResult<Option<Uuid>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = Uuid::parse_str(text) {
        return Ok(Some(id));
    }
    let store = &r.service().store;
    let org = r.org_id();
    let all = Page::first(10_000);
    let mut found: Vec<(String, Uuid)> = Vec::new();
    let same = |a: &str| a.eq_ignore_ascii_case(text);
    if let Some((user, token)) = text.split_once('/')
        && let Ok(u) = store.find_api_user(org, user.trim()).await
    {
        let filter = TokenFilter {
            api_user_id: Some(u.id),
            ..Default::default()
        };
        for t in store.list_tokens(org, &filter, all).await? {
            if t.name.eq_ignore_ascii_case(token.trim()) {
                found.push((format!("token {}/{}", u.username, t.name), t.id));
            }
        }
    }
    if let Ok(u) = store.find_api_user(org, text).await {
        found.push((format!("API user {}", u.username), u.id));
    }
    for m in store.list_members(org, all).await? {
        if same(&m.email) || same(&m.name) {
            found.push((format!("member {}", m.email), m.id));
        }
    }
    for g in store.list_groups(org, all).await? {
        if same(&g.name) {
            found.push((format!("permission group {}", g.name), g.id));
        }
    }
    for i in store.list_integrations(org, all).await? {
        if same(&i.name) {
            found.push((format!("integration {}", i.name), i.id));
        }
    }
    match found.as_slice() {
        [(_, id)] => Ok(Some(*id)),
        [] => Err(ServiceError::invalid(
            field,
            format!(
                "nothing is called \"{text}\": give an API user's username, a member's email, a group's or \
                 integration's name, a token as username/name, or an id"
            ),
        )),
        several => Err(ServiceError::invalid(
            field,
            format!(
                "\"{text}\" names {}: give the id of the one you mean ({})",
                several
                    .iter()
                    .map(|(what, _)| what.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                several
                    .iter()
                    .map(|(_, id)| id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}
