//! The organization's settings (expiry policy, monitoring thresholds, two-factor rule, leaked
//! tokens) and its
//! webhook endpoints.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use keyward_core::{OrgSettings, WebhookEndpoint};
use keyward_service::webhooks::{self, CreateWebhook, UpdateWebhook};
use keyward_service::{entries, settings};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Api;
use crate::error::{ApiError, ApiResult, Edit, Json, Path};

/// The longest lifetime a token may be given, and whether it may have none.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ExpiryPolicyDoc {
    /// Days; `null` for no limit.
    pub max_lifetime_days: Option<u32>,
    pub allow_no_expiry: bool,
    /// Days a new token or API user lives when its creator chooses no expiry (the API, the CLI
    /// and the dashboard's first choice alike); `null`: no expiry. At most `max_lifetime_days`.
    pub default_days: Option<u32>,
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
    /// Report an imported token still active this many days after its import, to nudge its
    /// owner to rotate it into keyward's format.
    pub imported_rotate_days: u32,
}

/// An organization's lifecycle settings.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SettingsDoc {
    pub expiry_policy: ExpiryPolicyDoc,
    pub insights: InsightThresholdsDoc,
    /// Members must turn on two-factor authentication (a super admin member's setting).
    pub require_member_2fa: bool,
    /// What to do with a token reported leaked: `revoke`, `suspend` or `notify`; `null` revokes
    /// live tokens and only notifies of sandbox ones.
    #[schema(value_type = Option<String>)]
    pub leaked_token_action: Option<String>,
    /// After migrating: imported tokens still in another system's format answer MALFORMED, and
    /// imports are refused (`foreign_tokens_refused`). Rotated tokens are keyward's and unaffected.
    pub refuse_foreign_tokens: bool,
    /// Rate limits for each token that has none of its own (counted per token).
    pub default_ratelimits: Vec<keyward_api::limits::RateLimitSpec>,
    /// Administrators hear (email, `credits.low` webhook) when a balance falls below this
    /// share of its refill amount or last top-up, and again when it runs out
    /// (`credits.exhausted`); `null`: 10.
    pub credits_alert_percent: Option<u8>,
}

fn settings_json(s: &OrgSettings) -> ApiResult<Response> {
    Ok(axum::Json(serde_json::to_value(s).map_err(ApiError::internal)?).into_response())
}

/// The organization's expiry policy and monitoring thresholds. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/settings", tag = "lifecycle", responses((status = 200, body = SettingsDoc)))]
pub async fn get_settings(api: Api) -> ApiResult<Response> {
    settings_json(&settings::get(&api.read()?).await?)
}

/// Change settings by JSON merge patch (RFC 7386): send only what changes, such as
/// `{"expiry_policy": {"max_lifetime_days": 90, "allow_no_expiry": false}}`. Applies to tokens
/// created or extended from now on. `require_member_2fa` is a member security setting: only a
/// super admin member changes it (a token gets 403 `super_admin_required`).
/// Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/settings", tag = "lifecycle", request_body = SettingsDoc,
    responses((status = 200, body = SettingsDoc)))]
pub async fn update_settings(api: Api, Json(patch): Json<serde_json::Value>) -> ApiResult<Response> {
    settings_json(&settings::update(&api.manage()?, &patch).await?)
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

/// Webhook endpoints of the organization. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/webhooks", tag = "lifecycle",
    responses((status = 200, body = Vec<WebhookView>)))]
pub async fn list_webhooks(api: Api) -> ApiResult<Json<Vec<WebhookView>>> {
    let hooks = webhooks::list(&api.read()?).await?;
    Ok(Json(hooks.into_iter().map(Into::into).collect()))
}

/// Add a webhook endpoint. The answer holds its signing secret, once.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/webhooks", tag = "lifecycle", request_body = CreateWebhook,
    responses((status = 201, body = CreatedWebhook)))]
pub async fn create_webhook(api: Api, Json(req): Json<CreateWebhook>) -> ApiResult<Response> {
    let made = webhooks::create(&api.manage()?, req).await?;
    let mut res = (
        StatusCode::CREATED,
        axum::Json(CreatedWebhook {
            secret: made.secret,
            details: made.endpoint.into(),
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
    responses((status = 200, body = WebhookView)))]
pub async fn get_webhook(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<WebhookView>> {
    Ok(Json(
        entries::get::<WebhookEndpoint>(&api.read()?, id).await?.into(),
    ))
}

/// Change a webhook endpoint. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/webhooks/{id}", tag = "lifecycle", params(("id" = Uuid, Path)),
    request_body = UpdateWebhook, responses((status = 200, body = WebhookView)))]
pub async fn update_webhook(
    api: Api,
    Edit(id, req): Edit<Uuid, UpdateWebhook>,
) -> ApiResult<Json<WebhookView>> {
    let w = webhooks::update(&api.manage()?, id, req).await?;
    Ok(Json(w.into()))
}

/// Remove a webhook endpoint; messages still queued for it are marked dead when their turn comes.
/// Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/webhooks/{id}", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 204)))]
pub async fn delete_webhook(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    webhooks::delete(&api.manage()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
