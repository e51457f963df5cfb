//! API user profiles: one per integration is recommended.

use crate::serde_helpers::{patch, patch_time};
use keyward_core::{ApiUser, AuthMethod, Environment, ExpiryStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateApiUser {
    pub username: String,
    /// Display name; defaults to the username.
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[schema(value_type = Option<String>, example = "live")]
    pub environment: Option<Environment>,
    /// `token` (default), `password` or `password_totp`.
    #[schema(value_type = Option<String>, example = "token")]
    pub auth_method: Option<AuthMethod>,
    /// The group whose permissions this API user's tokens can hold. Give this or
    /// `linked_member_id`.
    pub permission_group_id: Option<Uuid>,
    /// An existing member whose group this API user takes, and to whom changes are attributed.
    pub linked_member_id: Option<Uuid>,
    #[serde(default)]
    pub integration_ids: Vec<Uuid>,
    /// Addresses or CIDR ranges, IPv4 or IPv6; empty allows all.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// A date, or `null` for no expiry. Omit both this and `expires_in_days` for the
    /// organization's default (`expiry_policy.default_days`; no expiry unless it set one).
    #[serde(default, with = "patch_time", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub expires_in_days: Option<i64>,
    pub contact_email: Option<String>,
    pub external_id: Option<String>,
    /// Returned on every successful verify.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Optional password for API users that log in; never shown again.
    pub password: Option<String>,
    /// Limits shared by all of this API user's tokens together.
    #[serde(default)]
    pub ratelimits: Vec<crate::limits::RateLimitSpec>,
    /// Credits shared by all of this API user's tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<crate::limits::CreditsSpec>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateApiUser {
    pub username: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<String>)]
    pub environment: Option<Environment>,
    #[schema(value_type = Option<String>)]
    pub auth_method: Option<AuthMethod>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub permission_group_id: Option<Option<Uuid>>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub linked_member_id: Option<Option<Uuid>>,
    pub integration_ids: Option<Vec<Uuid>>,
    pub allowed_ips: Option<Vec<String>>,
    /// A date, or `null` for no expiry.
    #[serde(default, with = "patch_time", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub expires_in_days: Option<i64>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// New shared limits, replacing the old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratelimits: Option<Vec<crate::limits::RateLimitSpec>>,
    /// New shared credits (a fresh balance), or `null` to stop metering.
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::limits::CreditsSpec>)]
    pub credits: Option<Option<crate::limits::CreditsSpec>>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// The new password, or `null` to remove it.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiUserView {
    pub id: Uuid,
    pub username: String,
    pub name: String,
    pub description: String,
    /// `active` or `suspended`.
    pub status: String,
    /// `live` or `sandbox`; sandbox tokens start `kw_test_`.
    pub environment: String,
    /// `token` (static tokens only), `password` (may also log in at `/oauth2/token`) or
    /// `password_totp`.
    pub auth_method: String,
    pub permission_group_id: Option<Uuid>,
    pub linked_member_id: Option<Uuid>,
    /// Integrations this API user is restricted to; empty means any.
    pub integration_ids: Vec<Uuid>,
    pub allowed_ips: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// `never`, `active`, `expiring_soon` or `expired`.
    pub expiry_status: String,
    pub contact_email: Option<String>,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub has_password: bool,
    /// Limits shared by all of its tokens.
    pub ratelimits: Vec<crate::limits::RateLimitSpec>,
    /// Credits shared by all of its tokens; `null`: unmetered.
    pub credits: Option<crate::limits::CreditsView>,
    /// Tokens that are not revoked (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_count: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl ApiUserView {
    pub fn new(u: ApiUser, now: OffsetDateTime, token_count: Option<i64>) -> Self {
        Self {
            expiry_status: expiry_label(ExpiryStatus::of(u.expires_at, now)),
            id: u.id,
            username: u.username,
            name: u.name,
            description: u.description,
            status: u.status.as_str().into(),
            environment: u.environment.as_str().into(),
            auth_method: u.auth_method.as_str().into(),
            permission_group_id: u.permission_group_id,
            linked_member_id: u.linked_member_id,
            integration_ids: u.integration_ids,
            allowed_ips: u.allowed_ips.to_strings(),
            expires_at: u.expires_at,
            contact_email: u.contact_email,
            external_id: u.external_id,
            metadata: u.metadata,
            has_password: u.has_password,
            ratelimits: u.ratelimits.into_iter().map(Into::into).collect(),
            credits: u.credits.map(Into::into),
            token_count,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

pub fn expiry_label(s: ExpiryStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl CreateApiUser {
    /// An API user holding a permission group, with everything else at its default.
    pub fn new(username: impl Into<String>, permission_group_id: Uuid) -> Self {
        Self {
            username: username.into(),
            permission_group_id: Some(permission_group_id),
            ..Self::default()
        }
    }
}
