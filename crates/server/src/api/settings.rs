//! The organization's settings (expiry policy, monitoring thresholds, two-factor rule) and its
//! webhook endpoints.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_core::policy::WEBHOOK_EVENTS;
use keyward_core::{OrgSettings, WebhookEndpoint, input};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Path, Problem, missing};
use crate::jobs::delivery::new_webhook_secret;

/// The longest lifetime a token may be given, and whether it may have none.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ExpiryPolicyDoc {
    /// Days; `null` for no limit.
    pub max_lifetime_days: Option<u32>,
    pub allow_no_expiry: bool,
}

/// When monitoring raises an alert (email to administrators, `verification.anomaly` webhook).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct InsightThresholdsDoc {
    /// Report tokens never used this many days after creation.
    pub never_used_days: u32,
    /// Report tokens not used for this many days.
    pub unused_days: u32,
    /// Refused verifications (IP_NOT_ALLOWED, INSUFFICIENT_PERMISSIONS, REVOKED) of one token in one hour.
    pub denied_burst: u32,
    /// An hour above this many times the token's average hour of the previous week…
    pub spike_factor: u32,
    /// …and with at least this many verifications, is a spike.
    pub spike_min: u32,
    /// Report a token's first use from an IP network (/24, /48) it was never used from.
    pub new_network: bool,
}

/// An organization's lifecycle settings.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SettingsDoc {
    pub expiry_policy: ExpiryPolicyDoc,
    pub insights: InsightThresholdsDoc,
}

fn settings_json(s: &OrgSettings) -> ApiResult<Response> {
    Ok(axum::Json(serde_json::to_value(s).map_err(ApiError::internal)?).into_response())
}

/// The organization's expiry policy and monitoring thresholds. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/settings", tag = "lifecycle",
    responses((status = 200, body = SettingsDoc), (status = 403, body = Problem)))]
pub async fn get_settings(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.require_read()?;
    settings_json(&state.store.get_settings(caller.org_id).await?)
}

/// Change settings by JSON merge patch (RFC 7386): send only what changes, such as
/// `{"expiry_policy": {"max_lifetime_days": 90, "allow_no_expiry": false}}`. Applies to tokens
/// created or extended from now on. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/settings", tag = "lifecycle", request_body = SettingsDoc,
    responses((status = 200, body = SettingsDoc), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn update_settings(
    State(state): State<AppState>,
    caller: Caller,
    Json(patch): Json<serde_json::Value>,
) -> ApiResult<Response> {
    let writer = state.service.manage(&caller)?;
    if !patch.is_object() {
        return Err(ApiError::bad_request(
            "invalid_body",
            "the body must be a JSON object",
        ));
    }
    let current = state.store.get_settings(writer.org_id()).await?;
    let mut merged = serde_json::to_value(&current).map_err(ApiError::internal)?;
    merge_patch(&mut merged, &patch);
    let settings: OrgSettings = serde_json::from_value(merged)
        .map_err(|e| ApiError::invalid("settings", crate::error::redact_values(&e.to_string())))?;
    settings
        .validate()
        .map_err(|e| ApiError::invalid(e.field, e.message))?;
    let now = state.clock.now();
    let audit = writer.record(
        now,
        "settings.update",
        "organization",
        Some(writer.org_id()),
        serde_json::to_value(&settings).map_err(ApiError::internal)?,
    );
    state
        .store
        .update_settings(writer.org_id(), &settings, &audit)
        .await?;
    settings_json(&settings)
}

/// RFC 7386: objects merge key by key, `null` removes (here: restores the default), anything
/// else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

// Webhook endpoints.

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Event types delivered; empty means all.
    pub events: Vec<String>,
    pub enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<WebhookEndpoint> for WebhookView {
    fn from(w: WebhookEndpoint) -> Self {
        Self {
            id: w.id,
            url: w.url,
            description: w.description,
            events: w.events,
            enabled: w.enabled,
            created_at: w.created_at,
        }
    }
}

/// A new endpoint, with its signing secret. This is the only time the secret is shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedWebhook {
    /// `whsec_…`: verify the `webhook-signature` header with it (Standard Webhooks).
    pub secret: String,
    #[serde(flatten)]
    pub details: WebhookView,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https://…` (or `http://…` for a receiver inside your network).
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types to deliver; omit or leave empty for all.
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

fn check_events(events: &[String]) -> ApiResult<Vec<String>> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        if !WEBHOOK_EVENTS.contains(&e.as_str()) {
            return Err(ApiError::invalid(
                "events",
                format!("unknown event type; known: {}", WEBHOOK_EVENTS.join(", ")),
            ));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

/// Webhook endpoints of the organization. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/webhooks", tag = "lifecycle",
    responses((status = 200, body = Vec<WebhookView>), (status = 403, body = Problem)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<WebhookView>>> {
    caller.require_read()?;
    let hooks = state.store.list_webhooks(caller.org_id).await?;
    Ok(Json(hooks.into_iter().map(Into::into).collect()))
}

/// Add a webhook endpoint. The answer holds its signing secret, once.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/webhooks", tag = "lifecycle", request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateWebhook>,
) -> ApiResult<Response> {
    let writer = state.service.manage(&caller)?;
    let now = state.clock.now();
    let w = WebhookEndpoint {
        id: Uuid::now_v7(),
        org_id: writer.org_id(),
        url: input::public_url("url", &req.url)?,
        description: input::text("description", &req.description, 500)?,
        events: check_events(&req.events)?,
        secret: new_webhook_secret().map_err(ApiError::internal)?,
        enabled: req.enabled,
        created_at: now,
    };
    let audit = writer.record(
        now,
        "webhook.create",
        "webhook",
        Some(w.id),
        serde_json::json!({"url": w.url, "events": w.events, "enabled": w.enabled}),
    );
    // Stored sealed under the key-encryption key; the plain secret is in this answer only.
    let plain = w.secret.clone();
    let stored = WebhookEndpoint {
        secret: crate::jobs::delivery::seal_webhook_secret(&state.keys, &plain)
            .map_err(ApiError::internal)?,
        ..w.clone()
    };
    state.store.create_webhook(&stored, &audit).await?;
    let mut res = (
        StatusCode::CREATED,
        axum::Json(CreatedWebhook {
            secret: plain,
            details: w.into(),
        }),
    )
        .into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// Get a webhook endpoint (never its secret). Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/webhooks/{id}", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookView), (status = 404, body = Problem)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<WebhookView>> {
    caller.require_read()?;
    let w = state
        .store
        .get_webhook(caller.org_id, id)
        .await
        .map_err(missing("webhook endpoint"))?;
    Ok(Json(w.into()))
}

/// Change a webhook endpoint. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "lifecycle", params(("id" = Uuid, Path)), request_body = UpdateWebhook,
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateWebhook>,
) -> ApiResult<Json<WebhookView>> {
    let writer = state.service.manage(&caller)?;
    let mut w = state
        .store
        .get_webhook(writer.org_id(), id)
        .await
        .map_err(missing("webhook endpoint"))?;
    if let Some(u) = &req.url {
        w.url = input::public_url("url", u)?;
    }
    if let Some(d) = &req.description {
        w.description = input::text("description", d, 500)?;
    }
    if let Some(e) = &req.events {
        w.events = check_events(e)?;
    }
    if let Some(e) = req.enabled {
        w.enabled = e;
    }
    let now = state.clock.now();
    let audit = writer.record(
        now,
        "webhook.update",
        "webhook",
        Some(w.id),
        serde_json::json!({"url": w.url, "events": w.events, "enabled": w.enabled}),
    );
    state
        .store
        .update_webhook(&w, &audit)
        .await
        .map_err(missing("webhook endpoint"))?;
    Ok(Json(w.into()))
}

/// Remove a webhook endpoint; messages still queued for it are marked dead when their turn comes.
/// Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let writer = state.service.manage(&caller)?;
    let audit = writer.record(
        state.clock.now(),
        "webhook.delete",
        "webhook",
        Some(id),
        serde_json::json!({}),
    );
    state
        .store
        .delete_webhook(writer.org_id(), id, &audit)
        .await
        .map_err(missing("webhook endpoint"))?;
    Ok(StatusCode::NO_CONTENT)
}
