//! `POST /v1/verify`: the platform asks whether a presented token may make a call.

use std::net::IpAddr;

use axum::extract::State;
use keyward_core::{VerifyCode, VerifyQuery};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Problem};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The token the platform's caller presented.
    pub token: String,
    /// The address the call came from; required for tokens with IP restrictions.
    pub ip: Option<String>,
    /// Permissions the call needs; all must be granted.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// The integration (id or name) the call goes through.
    pub integration: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ActingMemberView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct VerifiedApiUser {
    pub id: Uuid,
    pub username: String,
    pub environment: String,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The member this API user acts as, so the platform can attribute changes to them.
    pub acting_member: Option<ActingMemberView>,
}

/// The answer. `valid` is true only with `code` = `VALID`; then the other fields describe who
/// is calling.
#[derive(Serialize, ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    /// One of MALFORMED, NOT_FOUND, REVOKED, EXPIRED, SUSPENDED, IP_NOT_ALLOWED,
    /// INTEGRATION_NOT_ALLOWED, INSUFFICIENT_PERMISSIONS, RATE_LIMITED, VALID — checked in this order.
    #[schema(value_type = String, example = "VALID")]
    pub code: VerifyCode,
    /// A sentence for people, matching `code`.
    pub message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_user: Option<VerifiedApiUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
}

fn message(code: VerifyCode) -> &'static str {
    match code {
        VerifyCode::Malformed => "the token is malformed or its checksum does not match",
        VerifyCode::NotFound => "no such token",
        VerifyCode::Revoked => "the token was revoked",
        VerifyCode::Expired => "the token has expired",
        VerifyCode::Suspended => "the token, its API user or its integration is suspended",
        VerifyCode::IpNotAllowed => "the token may not be used from this IP address",
        VerifyCode::IntegrationNotAllowed => "the token may not be used through this integration",
        VerifyCode::InsufficientPermissions => "access denied: the token lacks a required permission",
        VerifyCode::RateLimited => "too many requests for this token",
        VerifyCode::Valid => "the token is valid",
    }
}

/// Verify a token. Requires: a token with keyward:verify. Always 200 when the request itself
/// is well formed: the verdict is in `valid` and `code`. Only tokens of the caller's
/// organization can be valid.
#[utoipa::path(post, path = "/v1/verify", tag = "verify", request_body = VerifyRequest,
    responses((status = 200, body = VerifyResponse), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "ip or permissions malformed", body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<VerifyRequest>,
) -> ApiResult<Json<VerifyResponse>> {
    caller.require_verify()?;
    let ip = match req.ip.as_deref() {
        Some(s) => Some(
            s.trim()
                .parse::<IpAddr>()
                .map_err(|_| ApiError::invalid("ip", format!("{s:?} is not an IPv4 or IPv6 address")))?,
        ),
        None => None,
    };
    if req.permissions.len() > 100 {
        return Err(ApiError::invalid(
            "permissions",
            "at most 100 permissions per verification",
        ));
    }
    let query = VerifyQuery {
        ip,
        permissions: &req.permissions,
        integration: req.integration.as_deref(),
    };
    let now = state.clock.now();
    let outcome = state
        .verifier
        .verify(&req.token, &query, Some(caller.org_id), now)
        .await?;
    let code = outcome.code;
    let mut res = VerifyResponse {
        valid: code.is_valid(),
        code,
        message: message(code),
        token_id: None,
        organization_id: None,
        api_user: None,
        permissions: None,
        expires_at: None,
    };
    if let (true, Some(s)) = (code.is_valid(), outcome.subject) {
        res.token_id = Some(s.token_id);
        res.organization_id = Some(s.org_id);
        res.permissions = Some(s.effective_permissions().iter().map(str::to_owned).collect());
        res.expires_at = s.expires_at();
        res.api_user = Some(VerifiedApiUser {
            id: s.api_user_id,
            username: s.username.clone(),
            environment: s.environment.as_str().into(),
            external_id: s.external_id.clone(),
            metadata: s.metadata.clone(),
            acting_member: s.acting_member.as_ref().map(|m| ActingMemberView {
                id: m.id,
                email: m.email.clone(),
                name: m.name.clone(),
            }),
        });
    }
    Ok(Json(res))
}
