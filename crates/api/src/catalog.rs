//! Permission groups and integrations.

use crate::serde_helpers::patch;
use keyward_core::{Integration, IntegrationStatus, PermissionGroup};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Strings such as `contacts:read`, `orders:*`, or keyward's own `keyward:admin`,
    /// `keyward:read`, `keyward:verify`.
    pub permissions: Vec<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroup {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegration {
    pub name: String,
    /// What kind of connection this is, such as `crm` or `webhook`.
    #[serde(rename = "type", default)]
    pub kind: String,
    #[schema(value_type = Option<String>)]
    pub status: Option<IntegrationStatus>,
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    pub public_url: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateIntegration {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[schema(value_type = Option<String>)]
    pub status: Option<IntegrationStatus>,
    pub allowed_ips: Option<Vec<String>>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub public_url: Option<Option<String>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IntegrationView {
    pub id: Uuid,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// `active` or `inactive`; an inactive integration stops the tokens bound to it.
    pub status: String,
    pub allowed_ips: Vec<String>,
    pub public_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
impl From<PermissionGroup> for GroupView {
    fn from(g: PermissionGroup) -> Self {
        Self {
            id: g.id,
            name: g.name,
            description: g.description,
            permissions: g.permissions.iter().map(str::to_owned).collect(),
            created_at: g.created_at,
            updated_at: g.updated_at,
        }
    }
}

impl From<Integration> for IntegrationView {
    fn from(i: Integration) -> Self {
        Self {
            id: i.id,
            name: i.name,
            kind: i.kind,
            status: i.status.as_str().into(),
            allowed_ips: i.allowed_ips.to_strings(),
            public_url: i.public_url,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}
