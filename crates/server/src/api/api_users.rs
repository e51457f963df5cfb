//! API user profiles.

use axum::http::StatusCode;
use keyward_core::{ApiUserStatus, Environment};
use keyward_service::api_users::{self, CreateApiUser, SetPassword, UpdateApiUser};
use keyward_store::ApiUserFilter;

use super::{List, Paging, query_word};
use crate::auth::Api;
use crate::error::{ApiResult, Created, Edit, Json, Path, Problem, Query};
pub use keyward_api::{ApiUserQuery, ApiUserView};

/// List API users with their token counts. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/api-users", tag = "api-users", params(ApiUserQuery),
    responses((status = 200, body = List<ApiUserView>)))]
pub async fn list_api_users(api: Api, Query(q): Query<ApiUserQuery>) -> ApiResult<Json<List<ApiUserView>>> {
    let read = api.read()?;
    let page = q.page()?;
    let filter = ApiUserFilter {
        search: q.search,
        status: query_word(
            q.status.as_deref(),
            ApiUserStatus::parse,
            "status must be active or suspended",
        )?,
        environment: query_word(
            q.environment.as_deref(),
            Environment::parse,
            "environment must be live or sandbox",
        )?,
    };
    let rows = api_users::list(&read, &filter, page).await?;
    let now = api.service.now();
    Ok(Json(List::paged(
        rows,
        page.limit,
        |(u, _)| u.id,
        |(u, n)| ApiUserView::new(u, now, n),
    )))
}

/// Create an API user profile. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users", tag = "api-users", request_body = CreateApiUser,
    responses((status = 201, body = ApiUserView), (status = 409, body = Problem)))]
pub async fn create_api_user(api: Api, Json(req): Json<CreateApiUser>) -> ApiResult<Created<ApiUserView>> {
    let user = api_users::create(&api.manage()?, req).await?;
    Ok(Created(ApiUserView::new(user, api.service.now(), Some(0))))
}

/// Get an API user by id or username. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/api-users/{id}", tag = "api-users",
    params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = ApiUserView)))]
pub async fn get_api_user(api: Api, Path(key): Path<String>) -> ApiResult<Json<ApiUserView>> {
    let (u, n) = api_users::get(&api.read()?, &key).await?;
    Ok(Json(ApiUserView::new(u, api.service.now(), n)))
}

/// Change an API user; takes effect on verify at once. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/api-users/{id}", tag = "api-users",
    params(("id" = String, Path, description = "id or username")), request_body = UpdateApiUser,
    responses((status = 200, body = ApiUserView), (status = 409, body = Problem)))]
pub async fn update_api_user(
    api: Api,
    Edit(key, req): Edit<String, UpdateApiUser>,
) -> ApiResult<Json<ApiUserView>> {
    Ok(view(&api, api_users::update(&api.manage()?, &key, req).await?))
}

/// Suspend an API user: every one of its tokens answers SUSPENDED until resumed.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/suspend", tag = "api-users",
    params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = ApiUserView)))]
pub async fn suspend_api_user(api: Api, Path(key): Path<String>) -> ApiResult<Json<ApiUserView>> {
    Ok(view(&api, api_users::suspend(&api.manage()?, &key).await?))
}

/// Resume a suspended API user. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/resume", tag = "api-users",
    params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = ApiUserView)))]
pub async fn resume_api_user(api: Api, Path(key): Path<String>) -> ApiResult<Json<ApiUserView>> {
    Ok(view(&api, api_users::resume(&api.manage()?, &key).await?))
}

/// Set or remove an API user's password. It is stored as argon2id and never shown again.
/// Requires: super admin or keyward:admin.
#[utoipa::path(put, path = "/v1/api-users/{id}/password", tag = "api-users",
    params(("id" = String, Path, description = "id or username")), request_body = SetPassword,
    responses((status = 204)))]
pub async fn set_api_user_password(
    api: Api,
    Edit(key, req): Edit<String, SetPassword>,
) -> ApiResult<StatusCode> {
    api_users::set_password(&api.manage()?, &key, req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete an API user and revoke all its tokens. This cannot be undone.
/// Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/api-users/{id}", tag = "api-users",
    params(("id" = String, Path, description = "id or username")), responses((status = 204)))]
pub async fn delete_api_user(api: Api, Path(key): Path<String>) -> ApiResult<StatusCode> {
    api_users::delete(&api.manage()?, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift an API user's OAuth sign-in lockout after too many failed attempts (on every node at
/// once).
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/unlock", tag = "api-users",
    params(("id" = String, Path, description = "id or username")), responses((status = 204)))]
pub async fn unlock_api_user(api: Api, Path(key): Path<String>) -> ApiResult<StatusCode> {
    api_users::unlock(&api.manage()?, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An API user as answered after a change (its token count not read again).
fn view(api: &Api, u: keyward_core::ApiUser) -> Json<ApiUserView> {
    Json(ApiUserView::new(u, api.service.now(), None))
}
