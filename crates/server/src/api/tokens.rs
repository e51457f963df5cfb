//! Tokens: created with their secret shown once, then listed by hint only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_core::TokenStatus;
use keyward_service::tokens::{self, CreateToken, RotateToken, UpdateToken};
use keyward_store::TokenFilter;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Confirm, Confirmed, List, Paging, query_word};
use crate::auth::Api;
use crate::error::{ApiError, ApiResult, Edit, Json, Path, Problem, Query};
pub use keyward_api::tokens::{CreatedToken, RevokedCount, TokenView};
pub use keyward_api::{TokenQuery, UsageQuery};

/// 201 with the secret, once, and `Cache-Control: no-store`.
fn created_response(created: keyward_service::tokens::CreatedToken, now: OffsetDateTime) -> Response {
    let body = CreatedToken {
        token: created.secret,
        details: TokenView::new(created.token, now),
    };
    no_store(StatusCode::CREATED, axum::Json(body))
}

fn no_store<T: IntoResponse>(status: StatusCode, body: T) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn query_filter(q: &TokenQuery, now: OffsetDateTime) -> ApiResult<TokenFilter> {
    let days = |field: &str, d: i64| {
        if (1..=3650).contains(&d) {
            Ok(Duration::days(d))
        } else {
            Err(ApiError::bad_request(
                "invalid_query",
                format!("{field} must be between 1 and 3650"),
            ))
        }
    };
    Ok(TokenFilter {
        api_user_id: q.api_user_id,
        status: query_word(
            q.status.as_deref(),
            TokenStatus::parse,
            "status must be active, suspended or revoked",
        )?,
        expiring: q
            .expiring_within_days
            .map(|d| days("expiring_within_days", d).map(|d| (now, now + d)))
            .transpose()?,
        unused_since: q
            .unused_for_days
            .map(|d| days("unused_for_days", d).map(|d| now - d))
            .transpose()?,
        imported_before: None,
    })
}

/// List an API user's tokens: name, hint, status, expiry status, last used. Requires: any
/// member, or keyward:read.
#[utoipa::path(get, path = "/v1/api-users/{id}/tokens", tag = "tokens",
    params(("id" = String, Path, description = "API user id or username"), TokenQuery),
    responses((status = 200, body = List<TokenView>)))]
pub async fn list_user_tokens(
    api: Api,
    Path(key): Path<String>,
    Query(q): Query<TokenQuery>,
) -> ApiResult<Json<List<TokenView>>> {
    let read = api.read()?;
    let now = api.service.now();
    let page = q.page()?;
    let rows = tokens::list_for_api_user(&read, &key, query_filter(&q, now)?, page).await?;
    Ok(Json(List::paged(
        rows,
        page.limit,
        |t| t.id,
        |t| TokenView::new(t, now),
    )))
}

/// Create a token. The answer holds the secret, once; it is never shown again.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/tokens", tag = "tokens",
    params(("id" = String, Path, description = "API user id or username")), request_body = CreateToken,
    responses((status = 201, body = CreatedToken, headers(("Cache-Control" = String, description = "no-store"))),
    (status = 409, description = "token_name_taken: a token with this name already exists", body = Problem)))]
pub async fn create_token(api: Api, Edit(key, req): Edit<String, CreateToken>) -> ApiResult<Response> {
    let created = tokens::create(&api.manage()?, &key, req).await?;
    Ok(created_response(created, api.service.now()))
}

/// Revoke every token of an API user. Requires `{"confirm": true}`; cannot be undone.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/tokens/revoke-all", tag = "tokens",
    params(("id" = String, Path, description = "API user id or username")), request_body = Confirm,
    responses((status = 200, body = RevokedCount)))]
pub async fn revoke_all_user_tokens(
    api: Api,
    Edit(key, req): Edit<String, Confirm>,
) -> ApiResult<Json<RevokedCount>> {
    let manage = api.manage()?;
    req.check()?;
    let revoked = tokens::revoke_all(&manage, Some(&key)).await?;
    Ok(Json(RevokedCount { revoked }))
}

/// List the organization's tokens, with filters for monitoring. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", params(TokenQuery),
    responses((status = 200, body = List<TokenView>), (status = 400, body = Problem)))]
pub async fn list_tokens(api: Api, Query(q): Query<TokenQuery>) -> ApiResult<Json<List<TokenView>>> {
    let read = api.read()?;
    let now = api.service.now();
    let page = q.page()?;
    let rows = tokens::list(&read, &query_filter(&q, now)?, page).await?;
    Ok(Json(List::paged(
        rows,
        page.limit,
        |t| t.id,
        |t| TokenView::new(t, now),
    )))
}

/// Revoke every token of the organization. Requires `{"confirm": true}`; cannot be undone.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/revoke-all", tag = "tokens", request_body = Confirm,
    responses((status = 200, body = RevokedCount)))]
pub async fn revoke_all_org_tokens(api: Api, Json(req): Json<Confirm>) -> ApiResult<Json<RevokedCount>> {
    let manage = api.manage()?;
    req.check()?;
    let revoked = tokens::revoke_all(&manage, None).await?;
    Ok(Json(RevokedCount { revoked }))
}

/// Get a token (never its secret). Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenView)))]
pub async fn get_token(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<TokenView>> {
    let t = tokens::get(&api.read()?, id).await?;
    Ok(Json(TokenView::new(t, api.service.now())))
}

/// Rename a token, or change its expiry, permissions or allowed IPs; takes effect on verify at
/// once. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)),
    request_body = UpdateToken, responses((status = 200, body = TokenView), (status = 409, body = Problem)))]
pub async fn update_token(api: Api, Edit(id, req): Edit<Uuid, UpdateToken>) -> ApiResult<Json<TokenView>> {
    let t = tokens::update(&api.manage()?, id, req).await?;
    Ok(Json(TokenView::new(t, api.service.now())))
}

/// Suspend a token: verify answers SUSPENDED until it is resumed.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/suspend", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenView), (status = 409, body = Problem)))]
pub async fn suspend_token(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<TokenView>> {
    let t = tokens::suspend(&api.manage()?, id).await?;
    Ok(Json(TokenView::new(t, api.service.now())))
}

/// Resume a suspended token. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/resume", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenView), (status = 409, body = Problem)))]
pub async fn resume_token(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<TokenView>> {
    let t = tokens::resume(&api.manage()?, id).await?;
    Ok(Json(TokenView::new(t, api.service.now())))
}

/// Revoke a token forever. A revoked token cannot be restored.
/// Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 204)))]
pub async fn revoke_token(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    tokens::revoke(&api.manage()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Rotate a token: a new token with the same name, permissions, IPs and integration, its secret
/// shown once; the old one keeps working for the grace period, then answers EXPIRED. Both are
/// linked (`rotated_from`, `replaced_by`) and in the audit trail.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/rotate", tag = "tokens", params(("id" = Uuid, Path)),
    request_body = RotateToken,
    responses((status = 201, body = CreatedToken, headers(("Cache-Control" = String, description = "no-store"))),
    (status = 409, description = "token_revoked: the token is revoked or was already rotated", body = Problem)))]
pub async fn rotate_token(api: Api, Edit(id, req): Edit<Uuid, RotateToken>) -> ApiResult<Response> {
    let created = tokens::rotate(&api.manage()?, id, req).await?;
    Ok(created_response(created, api.service.now()))
}

#[derive(Serialize, ToSchema)]
pub struct UsagePointView {
    #[serde(with = "time::serde::rfc3339")]
    pub hour: OffsetDateTime,
    pub code: String,
    pub count: i64,
}

/// Verifications of a token per hour and result code. Counts are flushed from memory about
/// once a second. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/tokens/{id}/usage", tag = "tokens", params(("id" = Uuid, Path), UsageQuery),
    responses((status = 200, body = Vec<UsagePointView>)))]
pub async fn token_usage(
    api: Api,
    Path(id): Path<Uuid>,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<Vec<UsagePointView>>> {
    let read = api.read()?;
    let days = q.days.unwrap_or(30);
    if !(1..=90).contains(&days) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "days must be between 1 and 90",
        ));
    }
    let since = api.service.now() - Duration::days(days);
    let points = tokens::usage(&read, id, since).await?;
    Ok(Json(
        points
            .into_iter()
            .map(|p| UsagePointView {
                hour: p.hour,
                code: p.code.as_str().into(),
                count: p.count,
            })
            .collect(),
    ))
}
