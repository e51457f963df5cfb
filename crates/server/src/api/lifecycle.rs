//! Lifecycle settings, webhook endpoints, the outbox, usage series and monitoring insights.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_core::lifecycle::WEBHOOK_EVENTS;
use keyward_core::{OrgSettings, TokenStatus, WebhookEndpoint, input};
use keyward_store::{OutboxItem, OutboxStatus, TokenFilter};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::tokens::TokenView;
use super::{List, PageQuery};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Path, Problem, Query, missing};
use crate::lifecycle::delivery::new_webhook_secret;

// ----- settings -------------------------------------------------------------------------------

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

// ----- webhooks -------------------------------------------------------------------------------

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
        secret: crate::lifecycle::delivery::seal_webhook_secret(&state.keys, &plain)
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

// ----- outbox ---------------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct OutboxView {
    pub id: Uuid,
    /// `email` or `webhook`.
    pub channel: String,
    pub event: String,
    /// An email address, or the webhook endpoint's id.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

impl From<OutboxItem> for OutboxView {
    fn from(i: OutboxItem) -> Self {
        Self {
            id: i.message.id,
            channel: i.message.channel.as_str().into(),
            event: i.message.event,
            recipient: i.message.recipient,
            subject: i.message.subject,
            body: i.message.body,
            status: i.status.as_str().into(),
            attempts: i.attempts,
            next_attempt_at: i.next_attempt_at,
            last_error: i.last_error,
            created_at: i.created_at,
            delivered_at: i.delivered_at,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
}

/// Emails and webhook deliveries, oldest first, with their delivery state.
/// Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/outbox", tag = "lifecycle", params(OutboxQuery),
    responses((status = 200, body = List<OutboxView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_outbox(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<OutboxQuery>,
) -> ApiResult<Json<List<OutboxView>>> {
    caller.require_read()?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let status = match q.status.as_deref() {
        Some(s) => Some(OutboxStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request("invalid_query", "status must be pending, delivered or dead")
        })?),
        None => None,
    };
    let rows = state.store.list_outbox(caller.org_id, status, page).await?;
    Ok(Json(List::paged(rows, page, |i| i.message.id, Into::into)))
}

/// One outbox message. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/outbox/{id}", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 200, body = OutboxView), (status = 404, body = Problem)))]
pub async fn get_outbox(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<OutboxView>> {
    caller.require_read()?;
    let item = state
        .store
        .get_outbox(caller.org_id, id)
        .await
        .map_err(missing("message"))?;
    Ok(Json(item.into()))
}

/// Send a message again now (a dead one, or a delivered one someone lost), with a fresh count
/// of attempts. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/outbox/{id}/resend", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 200, body = OutboxView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn resend_outbox(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<OutboxView>> {
    let item = keyward_service::outbox::resend(&state.service.manage(&caller)?, id).await?;
    Ok(Json(item.into()))
}

// ----- usage and insights ---------------------------------------------------------------------

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageSeriesQuery {
    /// One token's usage.
    pub token_id: Option<Uuid>,
    /// All tokens of one API user (id).
    pub api_user_id: Option<Uuid>,
    /// How many hours back (1 to 2160, default 168: a week).
    pub hours: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UsageHourView {
    #[serde(with = "time::serde::rfc3339")]
    pub hour: OffsetDateTime,
    /// Verifications that answered VALID.
    pub allowed: i64,
    /// Verifications refused, whatever the reason.
    pub denied: i64,
    /// Counts by result code, such as `{"VALID": 12, "IP_NOT_ALLOWED": 1}`.
    pub by_code: std::collections::BTreeMap<String, i64>,
    /// Distinct source IPs seen in the hour.
    pub distinct_ips: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UsageSeriesView {
    /// `token`, `api_user` or `organization`.
    pub scope: String,
    pub hours: Vec<UsageHourView>,
}

/// Verifications per hour — allowed and denied, by result code, and distinct source IPs — for a
/// token, an API user or the whole organization. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/usage", tag = "lifecycle", params(UsageSeriesQuery),
    responses((status = 200, body = UsageSeriesView), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn usage(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<UsageSeriesQuery>,
) -> ApiResult<Json<UsageSeriesView>> {
    caller.require_read()?;
    let hours = q.hours.unwrap_or(168);
    if !(1..=2160).contains(&hours) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "hours must be between 1 and 2160",
        ));
    }
    let scope = match (q.token_id, q.api_user_id) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "give token_id or api_user_id, not both",
            ));
        }
        (Some(t), None) => {
            state
                .store
                .get_token(caller.org_id, t)
                .await
                .map_err(missing("token"))?;
            "token"
        }
        (None, Some(u)) => {
            state
                .store
                .get_api_user(caller.org_id, u)
                .await
                .map_err(missing("API user"))?;
            "api_user"
        }
        (None, None) => "organization",
    };
    let since = state.clock.now() - Duration::hours(hours);
    let points = state
        .store
        .usage_series(caller.org_id, q.token_id, q.api_user_id, since)
        .await?;
    Ok(Json(UsageSeriesView {
        scope: scope.into(),
        hours: points
            .into_iter()
            .map(|p| {
                let allowed: i64 = p
                    .counts
                    .iter()
                    .filter(|(c, _)| *c == keyward_core::VerifyCode::Valid)
                    .map(|(_, n)| n)
                    .sum();
                let total: i64 = p.counts.iter().map(|(_, n)| n).sum();
                UsageHourView {
                    hour: p.hour,
                    allowed,
                    denied: total - allowed,
                    by_code: p
                        .counts
                        .iter()
                        .map(|(c, n)| (c.as_str().to_owned(), *n))
                        .collect(),
                    distinct_ips: p.distinct_ips,
                }
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    /// `new_network`, `denied_burst`, `spike`, `never_used` or `unused`.
    pub kind: String,
    pub token_id: Uuid,
    /// What makes the alert unique: the hour, the network, the last use.
    pub window: String,
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
    pub details: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct InsightsView {
    /// Active tokens created at least `never_used_days` ago and never used.
    pub never_used: Vec<TokenView>,
    /// Active tokens not used for `unused_days`: candidates for decommissioning.
    pub unused: Vec<TokenView>,
    /// Alerts raised in the last 7 days, newest first.
    pub alerts: Vec<AlertView>,
    pub thresholds: InsightThresholdsDoc,
}

/// Monitoring: tokens never used or unused for long, and recent alerts (new networks, bursts
/// of refusals, spikes). Thresholds are the organization's settings.
/// Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/insights", tag = "lifecycle",
    responses((status = 200, body = InsightsView), (status = 403, body = Problem)))]
pub async fn insights(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<InsightsView>> {
    caller.require_read()?;
    let now = state.clock.now();
    let t = state.store.get_settings(caller.org_id).await?.insights;
    let mut lists = Vec::new();
    for (days, never) in [(t.never_used_days, true), (t.unused_days, false)] {
        let filter = TokenFilter {
            status: Some(TokenStatus::Active),
            unused_since: Some(now - Duration::days(days.into())),
            ..Default::default()
        };
        let tokens = state
            .store
            .list_tokens(caller.org_id, &filter, keyward_store::Page::first(200))
            .await?;
        lists.push(
            tokens
                .into_iter()
                .filter(|tok| tok.last_used_at.is_none() == never && tok.replaced_by.is_none())
                .map(|tok| TokenView::new(tok, now))
                .collect::<Vec<_>>(),
        );
    }
    let alerts = state
        .store
        .list_alerts(caller.org_id, now - Duration::days(7), 200)
        .await?;
    let unused = lists.pop().unwrap_or_default();
    let never_used = lists.pop().unwrap_or_default();
    Ok(Json(InsightsView {
        never_used,
        unused,
        alerts: alerts
            .into_iter()
            .map(|a| AlertView {
                kind: a.kind,
                token_id: a.subject_id,
                window: a.window_key,
                raised_at: a.created_at,
                details: a.details,
            })
            .collect(),
        thresholds: InsightThresholdsDoc {
            never_used_days: t.never_used_days,
            unused_days: t.unused_days,
            denied_burst: t.denied_burst,
            spike_factor: t.spike_factor,
            spike_min: t.spike_min,
            new_network: t.new_network,
        },
    }))
}
