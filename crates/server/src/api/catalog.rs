//! Permission groups and integrations.

use axum::http::StatusCode;
use keyward_core::{Integration, PermissionGroup};
use keyward_service::catalog::{self, CreateGroup, CreateIntegration, UpdateGroup, UpdateIntegration};
use keyward_service::entries;
use uuid::Uuid;

use super::{List, Listing, PageQuery};
use crate::auth::Api;
use crate::error::{ApiResult, Created, Edit, Json, Path, Problem};
pub use keyward_api::catalog::{GroupView, IntegrationView};

/// List permission groups. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/permission-groups", tag = "permission-groups", params(PageQuery),
    responses((status = 200, body = List<GroupView>)))]
pub async fn list_groups(api: Api, Listing(page): Listing) -> ApiResult<Json<List<GroupView>>> {
    let rows = catalog::list_groups(&api.read()?, page).await?;
    Ok(Json(List::paged(rows, page.limit, |g| g.id, GroupView::from)))
}

/// Create a permission group. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/permission-groups", tag = "permission-groups", request_body = CreateGroup,
    responses((status = 201, body = GroupView), (status = 409, body = Problem)))]
pub async fn create_group(api: Api, Json(req): Json<CreateGroup>) -> ApiResult<Created<GroupView>> {
    Ok(Created(catalog::create_group(&api.manage()?, req).await?.into()))
}

/// Get a permission group. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/permission-groups/{id}", tag = "permission-groups",
    params(("id" = Uuid, Path)), responses((status = 200, body = GroupView)))]
pub async fn get_group(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<GroupView>> {
    let g = entries::get::<PermissionGroup>(&api.read()?, id).await?;
    Ok(Json(g.into()))
}

/// Change a permission group. Takes effect on verify at once. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/permission-groups/{id}", tag = "permission-groups",
    params(("id" = Uuid, Path)), request_body = UpdateGroup, responses((status = 200, body = GroupView),
    (status = 409, body = Problem)))]
pub async fn update_group(api: Api, Edit(id, req): Edit<Uuid, UpdateGroup>) -> ApiResult<Json<GroupView>> {
    let g = catalog::update_group(&api.manage()?, id, req).await?;
    Ok(Json(g.into()))
}

/// Delete a permission group that nobody uses. Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/permission-groups/{id}", tag = "permission-groups",
    params(("id" = Uuid, Path)), responses((status = 204), (status = 409, body = Problem)))]
pub async fn delete_group(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    catalog::delete_group(&api.manage()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List integrations. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/integrations", tag = "integrations", params(PageQuery),
    responses((status = 200, body = List<IntegrationView>)))]
pub async fn list_integrations(api: Api, Listing(page): Listing) -> ApiResult<Json<List<IntegrationView>>> {
    let rows = catalog::list_integrations(&api.read()?, page).await?;
    Ok(Json(List::paged(
        rows,
        page.limit,
        |i| i.id,
        IntegrationView::from,
    )))
}

/// Create an integration. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/integrations", tag = "integrations", request_body = CreateIntegration,
    responses((status = 201, body = IntegrationView), (status = 409, body = Problem)))]
pub async fn create_integration(
    api: Api,
    Json(req): Json<CreateIntegration>,
) -> ApiResult<Created<IntegrationView>> {
    Ok(Created(
        catalog::create_integration(&api.manage()?, req).await?.into(),
    ))
}

/// Get an integration. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/integrations/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    responses((status = 200, body = IntegrationView)))]
pub async fn get_integration(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<IntegrationView>> {
    let i = entries::get::<Integration>(&api.read()?, id).await?;
    Ok(Json(i.into()))
}

/// Change an integration; status and IP changes take effect on verify at once.
/// Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/integrations/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    request_body = UpdateIntegration, responses((status = 200, body = IntegrationView),
    (status = 409, body = Problem)))]
pub async fn update_integration(
    api: Api,
    Edit(id, req): Edit<Uuid, UpdateIntegration>,
) -> ApiResult<Json<IntegrationView>> {
    let i = catalog::update_integration(&api.manage()?, id, req).await?;
    Ok(Json(i.into()))
}

/// Delete an integration that no API user or live token uses. Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/integrations/{id}", tag = "integrations", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
pub async fn delete_integration(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    catalog::delete_integration(&api.manage()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
