//! Two-factor sign-in: API users' (managed by administrators) and members' own, which has
//! nothing to do with OAuth. The rules are `keyward_service::totp`'s; these are their endpoints.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_service::totp::{self, TotpCode, TotpEnrolment};

use crate::app::AppState;
use crate::auth::{Api, Caller};
use crate::error::{ApiResult, Json, Path};

/// Enrol (or re-enrol) an API user for TOTP. The answer holds the seed and recovery codes,
/// once; login needs them only after `confirm`. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/totp", operation_id = "enrol_api_user_totp",
    tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 201, body = TotpEnrolment)))]
pub async fn enrol(api: Api, Path(key): Path<String>) -> ApiResult<Response> {
    let enrolment = totp::enrol_api_user(&api.manage()?, &key).await?;
    Ok(enrolment_response(enrolment))
}

fn enrolment_response(answer: TotpEnrolment) -> Response {
    let mut res = (StatusCode::CREATED, axum::Json(answer)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Confirm an enrolment with a first valid code. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/totp/confirm", operation_id = "confirm_api_user_totp",
    tag = "api-users", params(("id" = String, Path, description = "id or username")), request_body = TotpCode,
    responses((status = 204)))]
pub async fn confirm(api: Api, Path(key): Path<String>, Json(req): Json<TotpCode>) -> ApiResult<StatusCode> {
    totp::confirm_api_user(&api.manage()?, &key, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an API user's second factor (an API user logging in with password_totp falls back
/// to password). Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/api-users/{id}/totp", operation_id = "remove_api_user_totp",
    tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 204)))]
pub async fn remove(api: Api, Path(key): Path<String>) -> ApiResult<StatusCode> {
    totp::remove_api_user(&api.manage()?, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrol yourself for two-factor sign-in. The answer holds the seed and recovery codes, once;
/// sign-in asks for a code only after `confirm`. Requires: a member session.
#[utoipa::path(post, path = "/v1/me/totp", operation_id = "enrol_my_totp", tag = "auth",
    responses((status = 201, body = TotpEnrolment)))]
pub async fn me_enrol(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    Ok(enrolment_response(
        totp::enrol_own(&state.service, &caller).await?,
    ))
}

/// Turn your two-factor sign-in on with a first valid code. Requires: a member session.
#[utoipa::path(post, path = "/v1/me/totp/confirm", operation_id = "confirm_my_totp", tag = "auth",
    request_body = TotpCode, responses((status = 204)))]
pub async fn me_confirm(api: Api, Json(req): Json<TotpCode>) -> ApiResult<StatusCode> {
    totp::confirm_own(&api.service, &api.caller, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn your two-factor sign-in off; needs a current code (or a recovery code).
/// Requires: a member session.
#[utoipa::path(delete, path = "/v1/me/totp", operation_id = "remove_my_totp", tag = "auth",
    request_body = TotpCode, responses((status = 204)))]
pub async fn me_remove(api: Api, Json(req): Json<TotpCode>) -> ApiResult<StatusCode> {
    totp::remove_own(&api.service, &api.caller, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}
