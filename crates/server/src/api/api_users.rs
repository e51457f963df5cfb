//! API user profiles.

use axum::extract::State;
use axum::http::StatusCode;
use keyward_core::{ApiUser, ApiUserStatus, AuthMethod, Environment, ExpiryStatus, input};
use keyward_store::ApiUserFilter;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::catalog::parse_ips;
use super::{List, PageQuery, double_option};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Path, Problem, Query, missing};
use crate::lifecycle::Notifier;
use crate::password;

#[derive(Serialize, ToSchema)]
pub struct ApiUserView {
    pub id: Uuid,
    pub username: String,
    pub name: String,
    pub description: String,
    /// `active` or `suspended`.
    pub status: String,
    /// `live` or `sandbox`; sandbox tokens start `kw_test_`.
    pub environment: String,
    /// `token` (static tokens only), `password` (may also log in at `/oauth2/token`) or
    /// `password_totp`.
    pub auth_method: String,
    pub permission_group_id: Option<Uuid>,
    pub linked_member_id: Option<Uuid>,
    /// Integrations this API user is restricted to; empty means any.
    pub integration_ids: Vec<Uuid>,
    pub allowed_ips: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// `never`, `active`, `expiring_soon` or `expired`.
    pub expiry_status: String,
    pub contact_email: Option<String>,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub has_password: bool,
    /// Tokens that are not revoked (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_count: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

pub fn expiry_label(s: ExpiryStatus) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl ApiUserView {
    fn new(u: ApiUser, now: OffsetDateTime, token_count: Option<i64>) -> Self {
        Self {
            expiry_status: expiry_label(ExpiryStatus::of(u.expires_at, now)),
            id: u.id,
            username: u.username,
            name: u.name,
            description: u.description,
            status: u.status.as_str().into(),
            environment: u.environment.as_str().into(),
            auth_method: u.auth_method.as_str().into(),
            permission_group_id: u.permission_group_id,
            linked_member_id: u.linked_member_id,
            integration_ids: u.integration_ids,
            allowed_ips: u.allowed_ips.to_strings(),
            expires_at: u.expires_at,
            contact_email: u.contact_email,
            external_id: u.external_id,
            metadata: u.metadata,
            has_password: u.has_password,
            token_count,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiUser {
    pub username: String,
    /// Display name; defaults to the username.
    pub name: Option<String>,
    #[serde(default)]
    pub description: String,
    #[schema(value_type = Option<String>, example = "live")]
    pub environment: Option<Environment>,
    /// `token` (default), `password` or `password_totp`.
    #[schema(value_type = Option<String>, example = "token")]
    pub auth_method: Option<AuthMethod>,
    /// The group whose permissions this API user's tokens can hold. Give this or
    /// `linked_member_id`.
    pub permission_group_id: Option<Uuid>,
    /// An existing member whose group this API user takes, and to whom changes are attributed.
    pub linked_member_id: Option<Uuid>,
    #[serde(default)]
    pub integration_ids: Vec<Uuid>,
    /// Addresses or CIDR ranges, IPv4 or IPv6; empty allows all.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub expires_in_days: Option<i64>,
    pub contact_email: Option<String>,
    pub external_id: Option<String>,
    /// Returned on every successful verify.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Optional password for API users that log in; never shown again.
    pub password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApiUser {
    pub username: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<String>)]
    pub environment: Option<Environment>,
    #[schema(value_type = Option<String>)]
    pub auth_method: Option<AuthMethod>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub permission_group_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub linked_member_id: Option<Option<Uuid>>,
    pub integration_ids: Option<Vec<Uuid>>,
    pub allowed_ips: Option<Vec<String>>,
    /// A date, or `null` for no expiry.
    #[serde(default, deserialize_with = "double_option_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub expires_in_days: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

pub fn double_option_time<'de, D>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    time::serde::rfc3339::option::deserialize(d).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPassword {
    /// The new password, or `null` to remove it.
    pub password: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ApiUserQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Matches username, name or external id.
    pub search: Option<String>,
    /// `active` or `suspended`.
    pub status: Option<String>,
    /// `live` or `sandbox`.
    pub environment: Option<String>,
}

/// password_totp needs a confirmed TOTP enrolment (`totp_active`), so that a login is never
/// silently weakened to a password alone.
fn check_auth_method(m: AuthMethod, totp_active: bool) -> ApiResult<AuthMethod> {
    if m == AuthMethod::PasswordTotp && !totp_active {
        return Err(ApiError::invalid(
            "auth_method",
            "password_totp needs TOTP first: POST /v1/api-users/{id}/totp, then /totp/confirm with a code",
        ));
    }
    Ok(m)
}

/// Finds an API user by id or by username within the caller's organization.
pub async fn resolve(state: &AppState, org_id: Uuid, key: &str) -> ApiResult<ApiUser> {
    let found = match Uuid::parse_str(key) {
        Ok(id) => state.store.get_api_user(org_id, id).await,
        Err(_) => state.store.find_api_user(org_id, key).await,
    };
    found.map_err(missing("API user"))
}

fn validate_contact(c: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(c.map(|c| input::email("contact_email", c)).transpose()?)
}

fn validate_external_id(e: Option<&str>) -> Result<Option<String>, ApiError> {
    Ok(e.map(|e| input::label("external_id", e, 200)).transpose()?)
}

/// List API users with their token counts. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/api-users", tag = "api-users", params(ApiUserQuery),
    responses((status = 200, body = List<ApiUserView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_api_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ApiUserQuery>,
) -> ApiResult<Json<List<ApiUserView>>> {
    caller.require_read()?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .page()?;
    let filter = ApiUserFilter {
        search: q.search,
        status: match q.status.as_deref() {
            Some(s) => Some(ApiUserStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("invalid_query", "status must be active or suspended")
            })?),
            None => None,
        },
        environment: match q.environment.as_deref() {
            Some(s) => Some(Environment::parse(s).ok_or_else(|| {
                ApiError::bad_request("invalid_query", "environment must be live or sandbox")
            })?),
            None => None,
        },
    };
    let rows = state.store.list_api_users(caller.org_id, &filter, page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let counts = state.store.token_counts(caller.org_id, &ids).await?;
    let now = state.clock.now();
    Ok(Json(List::paged(
        rows,
        page,
        |u| u.id,
        |u| {
            let n = counts.iter().find(|(id, _)| *id == u.id).map(|(_, n)| *n);
            ApiUserView::new(u, now, n)
        },
    )))
}

/// Create an API user profile. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users", tag = "api-users", request_body = CreateApiUser,
    responses((status = 201, body = ApiUserView), (status = 403, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<CreateApiUser>,
) -> ApiResult<(StatusCode, Json<ApiUserView>)> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let username = input::username(&req.username)?;
    if req.permission_group_id.is_some() && req.linked_member_id.is_some() {
        return Err(ApiError::invalid(
            "linked_member_id",
            "give permission_group_id or linked_member_id, not both",
        ));
    }
    if req.integration_ids.len() > 100 {
        return Err(ApiError::invalid("integration_ids", "at most 100 integrations"));
    }
    let mut integration_ids = req.integration_ids.clone();
    integration_ids.dedup();
    let user = ApiUser {
        id: Uuid::now_v7(),
        org_id: writer.org_id(),
        name: match &req.name {
            Some(n) => input::label("name", n, 200)?,
            None => username.clone(),
        },
        username,
        description: input::text("description", &req.description, 1000)?,
        status: ApiUserStatus::Active,
        environment: req.environment.unwrap_or(Environment::Live),
        permission_group_id: req.permission_group_id,
        linked_member_id: req.linked_member_id,
        integration_ids,
        allowed_ips: parse_ips("allowed_ips", &req.allowed_ips)?,
        expires_at: input::expiry(req.expires_at, req.expires_in_days, now)?,
        contact_email: validate_contact(req.contact_email.as_deref())?,
        external_id: validate_external_id(req.external_id.as_deref())?,
        metadata: input::metadata(req.metadata)?,
        has_password: req.password.is_some(),
        auth_method: check_auth_method(req.auth_method.unwrap_or(AuthMethod::Token), false)?,
        created_at: now,
        updated_at: now,
    };
    let password_hash = match req.password {
        Some(p) => {
            input::password("password", &p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let mut audit = writer.record(now, "api_user.create", "api_user", Some(user.id), serde_json::json!({
        "username": user.username, "environment": user.environment, "permission_group_id": user.permission_group_id,
        "linked_member_id": user.linked_member_id, "integration_ids": user.integration_ids,
        "allowed_ips": user.allowed_ips.to_strings(), "has_password": user.has_password,
    }));
    audit.outbox = state
        .notifier
        .messages(
            user.org_id,
            now,
            state
                .notifier
                .api_user_created(&user, &audit.actor_label, user.has_password),
        )
        .await?;
    state
        .store
        .create_api_user(&user, password_hash.as_deref(), &audit)
        .await?;
    state.notifier.wake_for(&audit.outbox);
    Ok((StatusCode::CREATED, Json(ApiUserView::new(user, now, Some(0)))))
}

/// Get an API user by id or username. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/api-users/{id}", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = ApiUserView), (status = 404, body = Problem)))]
pub async fn get_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ApiUserView>> {
    caller.require_read()?;
    let u = resolve(&state, caller.org_id, &key).await?;
    let n = state
        .store
        .token_counts(caller.org_id, &[u.id])
        .await?
        .first()
        .map(|(_, n)| *n);
    Ok(Json(ApiUserView::new(u, state.clock.now(), n)))
}

/// Change an API user; takes effect on verify at once. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/api-users/{id}", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    request_body = UpdateApiUser,
    responses((status = 200, body = ApiUserView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(req): Json<UpdateApiUser>,
) -> ApiResult<Json<ApiUserView>> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let mut u = resolve(&state, writer.org_id(), &key).await?;
    if let Some(x) = &req.username {
        u.username = input::username(x)?;
    }
    if let Some(x) = &req.name {
        u.name = input::label("name", x, 200)?;
    }
    if let Some(x) = &req.description {
        u.description = input::text("description", x, 1000)?;
    }
    if let Some(m) = req.auth_method {
        let totp_active = state
            .store
            .totp(keyward_store::TotpOwner::ApiUser, u.id)
            .await?
            .state
            == "active";
        u.auth_method = check_auth_method(m, totp_active)?;
    }
    if let Some(x) = req.environment {
        u.environment = x;
    }
    if let Some(x) = req.permission_group_id {
        u.permission_group_id = x;
    }
    if let Some(x) = req.linked_member_id {
        u.linked_member_id = x;
    }
    if u.permission_group_id.is_some() && u.linked_member_id.is_some() {
        return Err(ApiError::invalid(
            "linked_member_id",
            "an API user has a permission group or a linked member, not both",
        ));
    }
    if let Some(x) = &req.integration_ids {
        if x.len() > 100 {
            return Err(ApiError::invalid("integration_ids", "at most 100 integrations"));
        }
        u.integration_ids = x.clone();
        u.integration_ids.dedup();
    }
    if let Some(x) = &req.allowed_ips {
        u.allowed_ips = parse_ips("allowed_ips", x)?;
    }
    u.expires_at = input::expiry_change(u.expires_at, req.expires_at, req.expires_in_days, now)?;
    if let Some(x) = &req.contact_email {
        u.contact_email = validate_contact(x.as_deref())?;
    }
    if let Some(x) = &req.external_id {
        u.external_id = validate_external_id(x.as_deref())?;
    }
    if let Some(x) = req.metadata {
        u.metadata = input::metadata(x)?;
    }
    u.updated_at = now;
    let audit = writer.record(now, "api_user.update", "api_user", Some(u.id), serde_json::json!({
        "username": u.username, "environment": u.environment, "permission_group_id": u.permission_group_id,
        "linked_member_id": u.linked_member_id, "integration_ids": u.integration_ids,
        "allowed_ips": u.allowed_ips.to_strings(), "expires_at": u.expires_at.map(super::rfc3339),
    }));
    state
        .store
        .update_api_user(&u, &audit)
        .await
        .map_err(missing("API user"))?;
    state.verifier.invalidate_org(u.org_id).await;
    Ok(Json(ApiUserView::new(u, now, None)))
}

async fn set_status(
    state: AppState,
    caller: Caller,
    key: String,
    status: ApiUserStatus,
) -> ApiResult<Json<ApiUserView>> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let mut u = resolve(&state, writer.org_id(), &key).await?;
    u.status = status;
    u.updated_at = now;
    let action = if status == ApiUserStatus::Suspended {
        "api_user.suspend"
    } else {
        "api_user.resume"
    };
    let mut audit = writer.record(
        now,
        action,
        "api_user",
        Some(u.id),
        serde_json::json!({"username": u.username}),
    );
    if status == ApiUserStatus::Suspended {
        audit.outbox = state
            .notifier
            .messages(
                u.org_id,
                now,
                Notifier::api_user_changed("api_user.suspended", &u, &audit.actor_label),
            )
            .await?;
    }
    state
        .store
        .update_api_user(&u, &audit)
        .await
        .map_err(missing("API user"))?;
    state.verifier.invalidate_org(u.org_id).await;
    state.notifier.wake_for(&audit.outbox);
    Ok(Json(ApiUserView::new(u, now, None)))
}

/// Suspend an API user: every one of its tokens answers SUSPENDED until resumed.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/suspend", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = ApiUserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn suspend_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ApiUserView>> {
    set_status(state, caller, key, ApiUserStatus::Suspended).await
}

/// Resume a suspended API user. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/resume", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 200, body = ApiUserView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn resume_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Json<ApiUserView>> {
    set_status(state, caller, key, ApiUserStatus::Active).await
}

/// Set or remove an API user's password. It is stored as argon2id and never shown again.
/// Requires: super admin or keyward:admin.
#[utoipa::path(put, path = "/v1/api-users/{id}/password", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    request_body = SetPassword,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_api_user_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(req): Json<SetPassword>,
) -> ApiResult<StatusCode> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let u = resolve(&state, writer.org_id(), &key).await?;
    let hash = match req.password {
        Some(p) => {
            input::password("password", &p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let action = if hash.is_some() {
        "api_user.password_set"
    } else {
        "api_user.password_clear"
    };
    let mut audit = writer.record(
        now,
        action,
        "api_user",
        Some(u.id),
        serde_json::json!({"username": u.username}),
    );
    if hash.is_some() {
        // A password is a credential: administrators hear of it like of a new token.
        let mut a = state.notifier.api_user_created(&u, &audit.actor_label, true);
        a.data["password_set"] = true.into();
        if let Some(email) = &mut a.email {
            email.subject = format!(
                "New API credentials were created for {} (password set)",
                u.username
            );
        }
        // Only the email: `api_user.created` would tell webhooks something that did not happen.
        a.event = "api_user.password_set";
        audit.outbox = state.notifier.messages(u.org_id, now, a).await?;
    }
    state
        .store
        .set_api_user_password(u.org_id, u.id, hash.as_deref(), now, &audit)
        .await
        .map_err(missing("API user"))?;
    state.notifier.wake_for(&audit.outbox);
    Ok(StatusCode::NO_CONTENT)
}

/// Delete an API user and revoke all its tokens. This cannot be undone.
/// Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/api-users/{id}", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let u = resolve(&state, writer.org_id(), &key).await?;
    let mut audit = writer.record(
        now,
        "api_user.delete",
        "api_user",
        Some(u.id),
        serde_json::json!({"username": u.username}),
    );
    audit.outbox = state
        .notifier
        .messages(
            u.org_id,
            now,
            Notifier::api_user_changed("api_user.deleted", &u, &audit.actor_label),
        )
        .await?;
    let hashes = state
        .store
        .delete_api_user(u.org_id, u.id, now, &audit)
        .await
        .map_err(missing("API user"))?;
    state.notifier.wake_for(&audit.outbox);
    state.verifier.invalidate_tokens(u.org_id, &hashes).await;
    state.verifier.invalidate_org(u.org_id).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Lift an API user's OAuth sign-in lockout after too many failed attempts (on every node at
/// once).
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/unlock", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn unlock_api_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    let writer = caller.require_manage()?;
    let u = resolve(&state, writer.org_id(), &key).await?;
    // A client may name itself by id or by username: lift both.
    state.login_limiter.unlock(&format!("oauth:{}", u.id)).await?;
    state
        .login_limiter
        .unlock(&format!("oauth:{}", u.username))
        .await?;
    let audit = writer.record(
        state.clock.now(),
        "api_user.unlock",
        "api_user",
        Some(u.id),
        serde_json::json!({"username": u.username}),
    );
    state.store.append_audit(&audit).await?;
    Ok(StatusCode::NO_CONTENT)
}
