//! Permission groups and integrations.

use axum::extract::State;
use axum::http::StatusCode;
use keyward_core::{Integration, IntegrationStatus, IpAllowList, PermissionGroup, PermissionSet, input};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, PageQuery, double_option};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Path, Problem, Query, missing};

pub fn parse_permissions(field: &'static str, items: &[String]) -> Result<PermissionSet, ApiError> {
    if items.len() > 500 {
        return Err(ApiError::invalid(field, "at most 500 permissions"));
    }
    PermissionSet::parse(items).map_err(|m| ApiError::invalid(field, m))
}

pub fn parse_ips(field: &'static str, items: &[String]) -> Result<IpAllowList, ApiError> {
    IpAllowList::parse(items).map_err(|m| ApiError::invalid(field, m))
}

#[derive(Serialize, ToSchema)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGroup {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Strings such as `contacts:read`, `orders:*`, or keyward's own `keyward:admin`,
    /// `keyward:read`, `keyward:verify`.
    pub permissions: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroup {
    pub name: Option<String>,
    pub description: Option<String>,
    pub permissions: Option<Vec<String>>,
}

/// List permission groups. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/permission-groups", tag = "permission-groups", params(PageQuery),
    responses((status = 200, body = List<GroupView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_groups(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<List<GroupView>>> {
    caller.require_read()?;
    let page = q.page()?;
    let rows = state.store.list_groups(caller.org_id, page).await?;
    Ok(Json(List::paged(rows, page, |g| g.id, GroupView::from)))
}

/// Create a permission group. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/permission-groups", tag = "permission-groups", request_body = CreateGroup,
    responses((status = 201, body = GroupView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_group(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateGroup>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let g = PermissionGroup {
        id: Uuid::now_v7(),
        org_id: writer.org_id(),
        name: input::label("name", &req.name, 100)?,
        description: input::text("description", &req.description, 1000)?,
        permissions: parse_permissions("permissions", &req.permissions)?,
        created_at: now,
        updated_at: now,
    };
    let audit = writer.record(
        now,
        "permission_group.create",
        "permission_group",
        Some(g.id),
        serde_json::json!({"name": g.name, "permissions": g.permissions}),
    );
    state.store.create_group(&g, &audit).await?;
    Ok((StatusCode::CREATED, Json(g.into())))
}

/// Get a permission group. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/permission-groups/{id}", tag = "permission-groups", params(("id" = Uuid, Path)),
    responses((status = 200, body = GroupView), (status = 404, body = Problem)))]
pub async fn get_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<GroupView>> {
    caller.require_read()?;
    Ok(Json(
        state
            .store
            .get_group(caller.org_id, id)
            .await
            .map_err(missing("permission group"))?
            .into(),
    ))
}

/// Change a permission group. Takes effect on verify at once. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/permission-groups/{id}", tag = "permission-groups", params(("id" = Uuid, Path)),
    request_body = UpdateGroup,
    responses((status = 200, body = GroupView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateGroup>,
) -> ApiResult<Json<GroupView>> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let mut g = state
        .store
        .get_group(writer.org_id(), id)
        .await
        .map_err(missing("permission group"))?;
    if let Some(n) = &req.name {
        g.name = input::label("name", n, 100)?;
    }
    if let Some(d) = &req.description {
        g.description = input::text("description", d, 1000)?;
    }
    if let Some(p) = &req.permissions {
        g.permissions = parse_permissions("permissions", p)?;
    }
    g.updated_at = now;
    let audit = writer.record(
        now,
        "permission_group.update",
        "permission_group",
        Some(id),
        serde_json::json!({"name": g.name, "permissions": g.permissions}),
    );
    state
        .store
        .update_group(&g, &audit)
        .await
        .map_err(missing("permission group"))?;
    state.verifier.invalidate_org(g.org_id).await;
    Ok(Json(g.into()))
}

/// Delete a permission group that nobody uses. Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/permission-groups/{id}", tag = "permission-groups", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_group(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let writer = caller.require_manage()?;
    let audit = writer.record(
        state.clock.now(),
        "permission_group.delete",
        "permission_group",
        Some(id),
        serde_json::json!({}),
    );
    state
        .store
        .delete_group(writer.org_id(), id, &audit)
        .await
        .map_err(missing("permission group"))?;
    state.verifier.invalidate_org(writer.org_id()).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
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

#[derive(Deserialize, ToSchema)]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIntegration {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[schema(value_type = Option<String>)]
    pub status: Option<IntegrationStatus>,
    pub allowed_ips: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub public_url: Option<Option<String>>,
}

/// List integrations. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/integrations", tag = "integrations", params(PageQuery),
    responses((status = 200, body = List<IntegrationView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_integrations(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<List<IntegrationView>>> {
    caller.require_read()?;
    let page = q.page()?;
    let rows = state.store.list_integrations(caller.org_id, page).await?;
    Ok(Json(List::paged(rows, page, |i| i.id, IntegrationView::from)))
}

/// Create an integration. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/integrations", tag = "integrations", request_body = CreateIntegration,
    responses((status = 201, body = IntegrationView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_integration(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateIntegration>,
) -> ApiResult<(StatusCode, Json<IntegrationView>)> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let i = Integration {
        id: Uuid::now_v7(),
        org_id: writer.org_id(),
        name: input::label("name", &req.name, 100)?,
        kind: input::text("type", &req.kind, 50)?,
        status: req.status.unwrap_or(IntegrationStatus::Active),
        allowed_ips: parse_ips("allowed_ips", &req.allowed_ips)?,
        public_url: req
            .public_url
            .as_deref()
            .map(|u| input::public_url("public_url", u))
            .transpose()?,
        created_at: now,
        updated_at: now,
    };
    let audit = writer.record(
        now,
        "integration.create",
        "integration",
        Some(i.id),
        serde_json::json!({"name": i.name, "status": i.status, "allowed_ips": i.allowed_ips.to_strings()}),
    );
    state.store.create_integration(&i, &audit).await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

/// Get an integration. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/integrations/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    responses((status = 200, body = IntegrationView), (status = 404, body = Problem)))]
pub async fn get_integration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<IntegrationView>> {
    caller.require_read()?;
    Ok(Json(
        state
            .store
            .get_integration(caller.org_id, id)
            .await
            .map_err(missing("integration"))?
            .into(),
    ))
}

/// Change an integration; status and IP changes take effect on verify at once.
/// Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/integrations/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    request_body = UpdateIntegration,
    responses((status = 200, body = IntegrationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_integration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateIntegration>,
) -> ApiResult<Json<IntegrationView>> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let mut i = state
        .store
        .get_integration(writer.org_id(), id)
        .await
        .map_err(missing("integration"))?;
    if let Some(n) = &req.name {
        i.name = input::label("name", n, 100)?;
    }
    if let Some(k) = &req.kind {
        i.kind = input::text("type", k, 50)?;
    }
    if let Some(s) = req.status {
        i.status = s;
    }
    if let Some(ips) = &req.allowed_ips {
        i.allowed_ips = parse_ips("allowed_ips", ips)?;
    }
    if let Some(u) = &req.public_url {
        i.public_url = u
            .as_deref()
            .map(|u| input::public_url("public_url", u))
            .transpose()?;
    }
    i.updated_at = now;
    let audit = writer.record(
        now,
        "integration.update",
        "integration",
        Some(id),
        serde_json::json!({"name": i.name, "status": i.status, "allowed_ips": i.allowed_ips.to_strings()}),
    );
    state
        .store
        .update_integration(&i, &audit)
        .await
        .map_err(missing("integration"))?;
    state.verifier.invalidate_org(i.org_id).await;
    Ok(Json(i.into()))
}

/// Delete an integration that no API user or live token uses. Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/integrations/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_integration(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let writer = caller.require_manage()?;
    let audit = writer.record(
        state.clock.now(),
        "integration.delete",
        "integration",
        Some(id),
        serde_json::json!({}),
    );
    state
        .store
        .delete_integration(writer.org_id(), id, &audit)
        .await
        .map_err(missing("integration"))?;
    state.verifier.invalidate_org(writer.org_id()).await;
    Ok(StatusCode::NO_CONTENT)
}
