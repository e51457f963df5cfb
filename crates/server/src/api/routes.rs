//! The route catalog ("API URLs"): the platform's own routes and what each needs at the gateway.

use axum::http::StatusCode;
use keyward_core::Route;
use keyward_service::entries;
use keyward_service::routes::{self, CreateRoute, UpdateRoute};
use uuid::Uuid;

use super::{List, Listing, PageQuery};
use crate::auth::Api;
use crate::error::{ApiResult, Created, Edit, Json, Path, Problem};
pub use keyward_api::routes::RouteView;

/// List the platform's routes. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/routes", tag = "routes", params(PageQuery),
    responses((status = 200, body = List<RouteView>)))]
pub async fn list_routes(api: Api, Listing(page): Listing) -> ApiResult<Json<List<RouteView>>> {
    let rows = routes::list(&api.read()?, page).await?;
    Ok(Json(List::paged(rows, page.limit, |r| r.id, RouteView::from)))
}

/// Add a route. The gateway enforces it at once. A route of the same method and shape as
/// another (`/a/{id}` and `/a/{key}`) is a conflict. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/routes", tag = "routes", request_body = CreateRoute,
    responses((status = 201, body = RouteView), (status = 409, body = Problem)))]
pub async fn create_route(api: Api, Json(req): Json<CreateRoute>) -> ApiResult<Created<RouteView>> {
    Ok(Created(routes::create(&api.manage()?, req).await?.into()))
}

/// Get a route. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/routes/{id}", tag = "routes", params(("id" = Uuid, Path)),
    responses((status = 200, body = RouteView)))]
pub async fn get_route(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<RouteView>> {
    Ok(Json(entries::get::<Route>(&api.read()?, id).await?.into()))
}

/// Change a route; the gateway enforces the change at once. Requires: super admin or
/// keyward:admin.
#[utoipa::path(patch, path = "/v1/routes/{id}", tag = "routes", params(("id" = Uuid, Path)),
    request_body = UpdateRoute, responses((status = 200, body = RouteView), (status = 409, body = Problem)))]
pub async fn update_route(api: Api, Edit(id, req): Edit<Uuid, UpdateRoute>) -> ApiResult<Json<RouteView>> {
    Ok(Json(routes::update(&api.manage()?, id, req).await?.into()))
}

/// Remove a route. With no routes left, the gateway checks tokens only. Requires: super admin
/// or keyward:admin.
#[utoipa::path(delete, path = "/v1/routes/{id}", tag = "routes", params(("id" = Uuid, Path)),
    responses((status = 204)))]
pub async fn delete_route(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    routes::delete(&api.manage()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
