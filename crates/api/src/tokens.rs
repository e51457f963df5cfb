//! Tokens: what creating, changing and rotating one takes, and how one is shown (by hint;
//! its secret only once, on creation).

use keyward_core::token::debug_redacted;
use keyward_core::{ExpiryStatus, Token};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api_users::expiry_label;
use crate::serde_helpers::{patch, patch_time};

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// Unique among the API user's tokens that are not revoked.
    pub name: String,
    /// A date, or `null` for no expiry (if the organization's policy allows it). Omit both
    /// this and `expires_in_days` for the policy's default (`expiry_policy.default_days`; no
    /// expiry unless the organization set one).
    #[serde(default, with = "patch_time", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    /// 7, 30, 60, 90, 180, 365… days from now.
    pub expires_in_days: Option<i64>,
    /// A subset of the API user's group; omit for all of it.
    pub permissions: Option<Vec<String>>,
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    pub integration_id: Option<Uuid>,
    /// Returned with every VALID answer for this token (a JSON object, at most 8 KiB).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Limits on this token's verifications (default: the organization's
    /// `default_ratelimits`).
    #[serde(default)]
    pub ratelimits: Vec<crate::limits::RateLimitSpec>,
    /// Credits its verifications spend; none: unmetered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<crate::limits::CreditsSpec>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateToken {
    pub name: Option<String>,
    /// A new date, or `null` for no expiry.
    #[serde(default, with = "patch_time", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub expires_in_days: Option<i64>,
    /// New permissions, or `null` for all of the group's.
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub permissions: Option<Option<Vec<String>>>,
    pub allowed_ips: Option<Vec<String>>,
    /// New metadata, replacing the old.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// New limits, replacing the old (`[]`: the organization's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratelimits: Option<Vec<crate::limits::RateLimitSpec>>,
    /// New credits (a fresh balance), or `null` to stop metering.
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<crate::limits::CreditsSpec>)]
    pub credits: Option<Option<crate::limits::CreditsSpec>>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateToken {
    /// How long the old token keeps working, in seconds (0 to 30 days; default 0: it stops at
    /// once). Its own expiry still applies if sooner.
    #[serde(default)]
    pub grace_period_seconds: i64,
    /// The new token's expiry; omit both to keep the old token's lifetime (its length, from now).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub api_user_id: Uuid,
    pub name: String,
    /// Enough to recognise the token, never enough to use it: `kw_live_…a1B2`.
    pub hint: String,
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    /// The token's own permissions; `null` means all of its API user's group.
    pub permissions: Option<Vec<String>>,
    pub integration_id: Option<Uuid>,
    pub allowed_ips: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// `never`, `active`, `expiring_soon` (within 30 days) or `expired`.
    pub expiry_status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    pub last_used_ip: Option<String>,
    pub use_count: i64,
    pub rotated_from: Option<Uuid>,
    /// Set once the token has been rotated: the new token. This one ends with its grace period.
    pub replaced_by: Option<Uuid>,
    /// Set on a token moved in from another system: the import's source (such as `legacy-db`).
    /// Rotating it gives a keyward-format successor.
    pub imported_from: Option<String>,
    /// When it was imported; `created_at` is what the old system recorded.
    #[serde(with = "time::serde::rfc3339::option")]
    pub imported_at: Option<OffsetDateTime>,
    /// Returned with every VALID answer for this token.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The token's own limits; empty: the organization's `default_ratelimits` apply.
    pub ratelimits: Vec<crate::limits::RateLimitSpec>,
    /// The token's credits (shared with the tokens it was rotated from); `null`: unmetered.
    pub credits: Option<crate::limits::CreditsView>,
}

impl TokenView {
    pub fn new(t: Token, now: OffsetDateTime) -> Self {
        Self {
            expiry_status: expiry_label(ExpiryStatus::of(t.expires_at, now)),
            id: t.id,
            api_user_id: t.api_user_id,
            name: t.name,
            hint: t.hint,
            status: t.status.as_str().into(),
            permissions: t.permissions.map(|p| p.iter().map(str::to_owned).collect()),
            integration_id: t.integration_id,
            allowed_ips: t.allowed_ips.to_strings(),
            expires_at: t.expires_at,
            created_at: t.created_at,
            created_by: t.created_by,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
            last_used_ip: t.last_used_ip,
            use_count: t.use_count,
            rotated_from: t.rotated_from,
            replaced_by: t.replaced_by,
            imported_from: t.imported_from,
            imported_at: t.imported_at,
            metadata: t.metadata,
            ratelimits: t.ratelimits.into_iter().map(Into::into).collect(),
            credits: t.credits.map(Into::into),
        }
    }
}

/// A new token, with its secret. This is the only time the secret is ever returned.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CreatedToken {
    /// The secret. Copy it now: keyward keeps only its SHA-256 and cannot show it again.
    pub token: String,
    #[serde(flatten)]
    pub details: TokenView,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RevokedCount {
    pub revoked: usize,
}

impl CreateToken {
    /// A token with this name and everything else as the API user and the organization's
    /// policy give it.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// Never shows the secret.
impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_redacted(f, "CreatedToken", "token", &[("details", &self.details)])
    }
}
