//! Login, sessions and members.

use axum::extract::State;
use axum::http::StatusCode;
use uuid::Uuid;

use super::{List, Listing, PageQuery};
use crate::app::AppState;
use crate::auth::{Api, Caller, ClientIp};
use crate::error::{ApiResult, Created, Edit, Json, Path, Problem};
pub use keyward_api::members::{LoginResponse, MeView, MemberView};
use keyward_service::members::{self, CreateMember, UpdateMember};
use keyward_service::sessions::{self, LoginRequest};

/// Log in with email and password; answers a bearer session. Requires: nothing.
///
/// Failures do not say whether the email or the password was wrong. After 5 failures for one
/// account, or 20 from one IP, within 15 minutes, attempts answer 429 until the window ends.
#[utoipa::path(post, path = "/v1/auth/login", operation_id = "sign_in", tag = "auth", security(()),
    request_body = LoginRequest, responses((status = 200, body = LoginResponse),
    (status = 401, description = "Wrong email or password", body = Problem),
    (status = 429, description = "Too many failed attempts", body = Problem), (status = 400, body = Problem),
    (status = 422, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let session = sessions::login(&state.service, req, ip).await?;
    Ok(Json(LoginResponse {
        token: session.token,
        expires_at: session.expires_at,
    }))
}

/// End the calling session. Requires: a member session.
#[utoipa::path(post, path = "/v1/auth/logout", operation_id = "sign_out", tag = "auth",
    responses((status = 204, description = "Logged out"),
    (status = 403, description = "A token cannot log out; revoke it instead (code not_a_session)", body = Problem)))]
pub async fn logout(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    sessions::logout(&state.service, &caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller and their organization. Requires: a member session or a token with keyward:admin,
/// keyward:read or keyward:verify.
#[utoipa::path(get, path = "/v1/me", operation_id = "get_me", tag = "auth",
    responses((status = 200, body = MeView)))]
pub async fn me(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<MeView>> {
    let org = sessions::organization(&state.service, &caller).await?;
    let member = caller.member().cloned();
    Ok(Json(MeView {
        organization_id: org.id,
        organization_name: org.name,
        kind: if member.is_some() { "member" } else { "token" }.into(),
        label: caller.label(),
        member: member.map(MemberView::from),
    }))
}

/// List members. Requires: super admin.
#[utoipa::path(get, path = "/v1/members", tag = "members", params(PageQuery),
    responses((status = 200, body = List<MemberView>)))]
pub async fn list_members(api: Api, Listing(page): Listing) -> ApiResult<Json<List<MemberView>>> {
    let rows = members::list(&api.member_admin()?, page).await?;
    Ok(Json(List::paged(rows, page.limit, |m| m.id, MemberView::from)))
}

/// Add a member. Requires: super admin.
#[utoipa::path(post, path = "/v1/members", tag = "members", request_body = CreateMember,
    responses((status = 201, body = MemberView), (status = 409, body = Problem)))]
pub async fn create_member(api: Api, Json(req): Json<CreateMember>) -> ApiResult<Created<MemberView>> {
    Ok(Created(members::create(&api.member_admin()?, req).await?.into()))
}

/// Get a member. Requires: super admin.
#[utoipa::path(get, path = "/v1/members/{id}", tag = "members", params(("id" = Uuid, Path)),
    responses((status = 200, body = MemberView)))]
pub async fn get_member(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<MemberView>> {
    let m = members::get(&api.member_admin()?, id).await?;
    Ok(Json(m.into()))
}

/// Change a member's name, email, role, password or group. Requires: super admin.
#[utoipa::path(patch, path = "/v1/members/{id}", tag = "members", params(("id" = Uuid, Path)),
    request_body = UpdateMember, responses((status = 200, body = MemberView),
    (status = 409, body = Problem)))]
pub async fn update_member(api: Api, Edit(id, req): Edit<Uuid, UpdateMember>) -> ApiResult<Json<MemberView>> {
    let m = members::update(&api.member_admin()?, id, req).await?;
    Ok(Json(m.into()))
}

/// Remove a member. Requires: super admin. The last super admin cannot be removed.
#[utoipa::path(delete, path = "/v1/members/{id}", tag = "members", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 409, body = Problem)))]
pub async fn delete_member(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    members::delete(&api.member_admin()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift a member's sign-in lockout after too many failed attempts (on every node at once).
/// Requires: super admin.
#[utoipa::path(post, path = "/v1/members/{id}/unlock", tag = "members", params(("id" = Uuid, Path)),
    responses((status = 204)))]
pub async fn unlock_member(api: Api, Path(id): Path<Uuid>) -> ApiResult<StatusCode> {
    members::unlock(&api.member_admin()?, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
