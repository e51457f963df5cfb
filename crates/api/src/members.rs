//! Members of an organization and their sessions.

use crate::serde_helpers::patch;
use keyward_core::{Member, Role};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// A TOTP code (or a recovery code), for members with two-factor authentication on.
    #[serde(default)]
    pub totp: Option<String>,
    /// The organization to sign in to. Needed only when the same email and password open more
    /// than one organization (emails are unique within an organization, not across them).
    #[serde(default)]
    pub organization: Option<Uuid>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMember {
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "admin")]
    pub role: Role,
    pub password: String,
    /// The group an API user linked to this member inherits.
    pub permission_group_id: Option<Uuid>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    pub name: Option<String>,
    pub email: Option<String>,
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    pub password: Option<String>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub permission_group_id: Option<Option<Uuid>>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// A bearer session token. Send it as `Authorization: Bearer …`.
    pub token: String,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "super_admin")]
    pub role: Role,
    pub permission_group_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Who is calling: a member, or a token acting with keyward's permissions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeView {
    pub organization_id: Uuid,
    pub organization_name: String,
    /// `member` or `token`.
    pub kind: String,
    pub member: Option<MemberView>,
    pub label: String,
}
impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        Self {
            id: m.id,
            email: m.email,
            name: m.name,
            role: m.role,
            permission_group_id: m.permission_group_id,
            created_at: m.created_at,
        }
    }
}
