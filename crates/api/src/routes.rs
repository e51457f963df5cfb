//! The platform's routes and the permissions each needs at the gateway.

use crate::serde_helpers::patch;
use keyward_core::Route;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateRoute {
    /// An HTTP method (`GET`, `POST`, …, any case) or `*` for any.
    #[schema(example = "GET")]
    pub method: String,
    /// A template: literal segments, `{name}` for one segment, a final `/*` for any rest.
    #[schema(example = "/contacts/{id}")]
    pub path: String,
    /// Permissions a token needs for this route; all of them.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// Requests on this route go through this integration (its status and addresses apply).
    pub integration_id: Option<Uuid>,
    #[serde(default)]
    pub description: String,
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoute {
    pub method: Option<String>,
    pub path: Option<String>,
    pub permissions: Option<Vec<String>>,
    #[serde(default, with = "patch", skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Uuid>)]
    pub integration_id: Option<Option<Uuid>>,
    pub description: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RouteView {
    pub id: Uuid,
    /// An upper-case HTTP method, or `*` for any.
    pub method: String,
    /// The path template: literal segments, `{name}` for one segment, a final `/*` for any rest.
    pub path: String,
    pub permissions: Vec<String>,
    pub integration_id: Option<Uuid>,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
impl From<Route> for RouteView {
    fn from(r: Route) -> Self {
        Self {
            id: r.id,
            method: r.method,
            path: r.path,
            permissions: r.permissions,
            integration_id: r.integration_id,
            description: r.description,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
