//! `POST /v1/verify`: the question and the answer. The server writes VALID answers from
//! bytes serialized once per cached token; a test in the service holds them equal to this
//! type's serde form.

use crate::serde_helpers::patch_time;
use keyward_core::VerifyCode;
use keyward_core::verify::ActingMember;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The request, as documented. (The handler parses [`VerifyBody`], its borrowing twin.)
#[derive(Serialize, Deserialize, ToSchema, Default)]
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
    /// Credits this call spends (default 1; 0 checks without spending).
    pub cost: Option<u64>,
}

/// The API user a valid token speaks for.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerifiedApiUser {
    pub id: Uuid,
    pub username: String,
    pub environment: String,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The member this API user acts as, so the platform can attribute changes to them.
    #[schema(value_type = Option<ActingMemberView>)]
    pub acting_member: Option<ActingMember>,
}

/// A member, as a verify answer names them.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
// Documents the shape `ActingMember` serializes to.
pub struct ActingMemberView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// The answer. `valid` is true only with `code` = `VALID`; then the other fields describe who
/// is calling.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    /// One of MALFORMED, NOT_FOUND, REVOKED, EXPIRED, SUSPENDED, IP_NOT_ALLOWED,
    /// INTEGRATION_NOT_ALLOWED, INSUFFICIENT_PERMISSIONS, RATE_LIMITED, USAGE_EXCEEDED, VALID —
    /// checked in this order.
    #[schema(example = "VALID")]
    pub code: VerifyCode,
    /// A sentence for people, matching `code`.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_user: Option<VerifiedApiUser>,
    /// The token's effective permissions: its own ∩ its API user's group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    /// The token's own metadata, on VALID answers (the API user's is under `api_user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Present (and `null` for no expiry) on VALID answers only.
    #[serde(default, with = "patch_time", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    /// The rate limits this verification counted against, whenever any apply (on refusals
    /// too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratelimits: Option<Vec<crate::limits::RateLimitState>>,
    /// The credits left, whenever the token or its API user has credits (on refusals too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<crate::limits::CreditsState>,
}
