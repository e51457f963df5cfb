//! Tokens: created with their secret shown once, then listed by hint only.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_core::token;
use keyward_core::{ApiUser, ExpiryStatus, PermissionSet, Token, TokenStatus, input};
use keyward_store::{NewToken, StoreError, TokenFilter};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use uuid::Uuid;

use super::api_users::{double_option_time, expiry_label, resolve};
use super::catalog::{parse_ips, parse_permissions};
use super::{Confirm, List, PageQuery, double_option};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Path, Problem, Query, missing};
use crate::lifecycle::Notifier;

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub api_user_id: Uuid,
    pub name: String,
    /// Enough to recognise the token, never enough to use it: `kw_live_…a1B2`.
    pub hint: String,
    /// `active`, `suspended` or `revoked`.
    pub status: String,
    /// The token's own permissions; `null` means all of its API user's group.
    pub permissions: Option<Vec<String>>,
    pub integration_id: Option<Uuid>,
    pub allowed_ips: Vec<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// `never`, `active`, `expiring_soon` (within 30 days) or `expired`.
    pub expiry_status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    pub last_used_ip: Option<String>,
    pub use_count: i64,
    pub rotated_from: Option<Uuid>,
    /// Set once the token has been rotated: the new token. This one ends with its grace period.
    pub replaced_by: Option<Uuid>,
}

impl TokenView {
    pub fn new(t: Token, now: OffsetDateTime) -> Self {
        Self {
            expiry_status: expiry_label(ExpiryStatus::of(t.expires_at, now)),
            id: t.id,
            api_user_id: t.api_user_id,
            name: t.name,
            hint: t.hint,
            status: t.status.as_str().into(),
            permissions: t.permissions.map(|p| p.iter().map(str::to_owned).collect()),
            integration_id: t.integration_id,
            allowed_ips: t.allowed_ips.to_strings(),
            expires_at: t.expires_at,
            created_at: t.created_at,
            created_by: t.created_by,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
            last_used_ip: t.last_used_ip,
            use_count: t.use_count,
            rotated_from: t.rotated_from,
            replaced_by: t.replaced_by,
        }
    }
}

/// A new token, with its secret. This is the only time the secret is ever returned.
#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    /// The secret. Copy it now: keyward keeps only its SHA-256 and cannot show it again.
    pub token: String,
    #[serde(flatten)]
    pub details: TokenView,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    /// Unique among the API user's tokens that are not revoked.
    pub name: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// 7, 30, 60, 90, 180, 365… days from now; omit both for no expiry.
    pub expires_in_days: Option<i64>,
    /// A subset of the API user's group; omit for all of it.
    pub permissions: Option<Vec<String>>,
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    pub integration_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateToken {
    pub name: Option<String>,
    /// A new date, or `null` for no expiry.
    #[serde(default, deserialize_with = "double_option_time")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Option<OffsetDateTime>>,
    pub expires_in_days: Option<i64>,
    /// New permissions, or `null` for all of the group's.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub permissions: Option<Option<Vec<String>>>,
    pub allowed_ips: Option<Vec<String>>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// `active`, `suspended` or `revoked`.
    pub status: Option<String>,
    /// Only tokens expiring within this many days (and not yet expired).
    pub expiring_within_days: Option<i64>,
    /// Only tokens not used for this many days (or never used and older than that).
    pub unused_for_days: Option<i64>,
    /// Only this API user's tokens (id).
    pub api_user_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct RevokedCount {
    pub revoked: usize,
}

fn no_store<T: IntoResponse>(status: StatusCode, body: T) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The permissions an API user's group grants now (its own group, or its linked member's).
pub(crate) async fn group_permissions(state: &AppState, user: &ApiUser) -> ApiResult<PermissionSet> {
    let group_id = match user.linked_member_id {
        Some(m) => state.store.get_member(user.org_id, m).await?.permission_group_id,
        None => user.permission_group_id,
    };
    Ok(match group_id {
        Some(g) => state.store.get_group(user.org_id, g).await?.permissions,
        None => PermissionSet::default(),
    })
}

async fn check_permissions(
    state: &AppState,
    user: &ApiUser,
    requested: &[String],
) -> ApiResult<PermissionSet> {
    let wanted = parse_permissions("permissions", requested)?;
    let group = group_permissions(state, user).await?;
    let missing = wanted.missing_from(&group);
    if !missing.is_empty() {
        return Err(ApiError::invalid(
            "permissions",
            format!(
                "the API user's permission group does not grant: {}",
                missing.join(", ")
            ),
        ));
    }
    Ok(wanted)
}

/// Refuses an expiry outside the organization's policy with a 422 that names the policy.
async fn check_policy(
    state: &AppState,
    org_id: Uuid,
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let settings = state.store.get_settings(org_id).await?;
    settings
        .expiry_policy
        .check(expires_at, now)
        .map_err(|e| ApiError {
            code: "expiry_policy",
            ..ApiError::invalid(e.field, e.message)
        })
}

/// The integration a token is bound to, by name, for messages.
async fn integration_label(state: &AppState, t: &Token) -> ApiResult<String> {
    Ok(match t.integration_id {
        Some(i) => state.store.get_integration(t.org_id, i).await?.name,
        None => "any".into(),
    })
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
        status: match q.status.as_deref() {
            Some(s) => Some(TokenStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("invalid_query", "status must be active, suspended or revoked")
            })?),
            None => None,
        },
        expiring: q
            .expiring_within_days
            .map(|d| days("expiring_within_days", d).map(|d| (now, now + d)))
            .transpose()?,
        unused_since: q
            .unused_for_days
            .map(|d| days("unused_for_days", d).map(|d| now - d))
            .transpose()?,
    })
}

/// List an API user's tokens: name, hint, status, expiry status, last used. Requires: any
/// member, or keyward:read.
#[utoipa::path(get, path = "/v1/api-users/{id}/tokens", tag = "tokens", params(("id" = String, Path, description = "API user id or username"), TokenQuery),
    responses((status = 200, body = List<TokenView>), (status = 404, body = Problem)))]
pub async fn list_user_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Query(q): Query<TokenQuery>,
) -> ApiResult<Json<List<TokenView>>> {
    caller.require_read()?;
    let user = resolve(&state, caller.org_id, &key).await?;
    let now = state.clock.now();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let mut filter = query_filter(&q, now)?;
    filter.api_user_id = Some(user.id);
    let rows = state.store.list_tokens(caller.org_id, &filter, page).await?;
    Ok(Json(List::paged(
        rows,
        page,
        |t| t.id,
        |t| TokenView::new(t, now),
    )))
}

/// Create a token. The answer holds the secret, once; it is never shown again.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/tokens", tag = "tokens", params(("id" = String, Path, description = "API user id or username")),
    request_body = CreateToken,
    responses((status = 201, body = CreatedToken, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "token_name_taken: a token with this name already exists", body = Problem),
        (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(req): Json<CreateToken>,
) -> ApiResult<Response> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let user = resolve(&state, writer.org_id(), &key).await?;
    let name = input::label("name", &req.name, 100)?;
    let expires_at = input::expiry(req.expires_at, req.expires_in_days, now)?;
    check_policy(&state, user.org_id, expires_at, now).await?;
    let permissions = match &req.permissions {
        Some(p) => Some(check_permissions(&state, &user, p).await?),
        None => None,
    };
    let allowed_ips = parse_ips("allowed_ips", &req.allowed_ips)?;
    if let Some(i) = req.integration_id
        && !user.integration_ids.is_empty()
        && !user.integration_ids.contains(&i)
    {
        return Err(ApiError::invalid(
            "integration_id",
            "the API user is not allowed to use this integration",
        ));
    }
    let secret = token::generate(state.verifier.prefix(), user.environment).map_err(ApiError::internal)?;
    let t = Token {
        id: Uuid::now_v7(),
        org_id: user.org_id,
        api_user_id: user.id,
        name,
        hint: secret.hint.clone(),
        permissions,
        integration_id: req.integration_id,
        allowed_ips,
        expires_at,
        status: TokenStatus::Active,
        created_at: now,
        created_by: Some(writer.caller().label()),
        revoked_at: None,
        last_used_at: None,
        last_used_ip: None,
        use_count: 0,
        rotated_from: None,
        replaced_by: None,
    };
    let mut audit = writer.record(
        now,
        "token.create",
        "token",
        Some(t.id),
        serde_json::json!({
            "api_user_id": user.id, "username": user.username, "name": t.name, "hint": t.hint,
            "expires_at": t.expires_at.map(super::rfc3339), "integration_id": t.integration_id,
            "permissions": t.permissions, "allowed_ips": t.allowed_ips.to_strings(),
        }),
    );
    let integration = integration_label(&state, &t).await?;
    audit.outbox = state
        .notifier
        .messages(
            user.org_id,
            now,
            state
                .notifier
                .token_created(&t, &user, &audit.actor_label, &integration),
        )
        .await?;
    state
        .store
        .create_token(
            &NewToken {
                token: t.clone(),
                hash: secret.hash,
            },
            &audit,
        )
        .await?;
    state.verifier.invalidate_token(secret.hash).await;
    state.notifier.wake_for(&audit.outbox);
    let body = CreatedToken {
        token: secret.into_secret(),
        details: TokenView::new(t, now),
    };
    Ok(no_store(StatusCode::CREATED, axum::Json(body)))
}

/// Revoke every token of an API user. Requires `{"confirm": true}`; cannot be undone.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/tokens/revoke-all", tag = "tokens", params(("id" = String, Path, description = "API user id or username")),
    request_body = Confirm,
    responses((status = 200, body = RevokedCount), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke_all_user_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(req): Json<Confirm>,
) -> ApiResult<Json<RevokedCount>> {
    let writer = caller.require_manage()?;
    req.check()?;
    let now = state.clock.now();
    let user = resolve(&state, writer.org_id(), &key).await?;
    let audit = writer.record(
        now,
        "token.revoke_all",
        "api_user",
        Some(user.id),
        serde_json::json!({"username": user.username}),
    );
    let hashes = state
        .store
        .revoke_all_tokens(user.org_id, Some(user.id), now, &audit)
        .await?;
    state.verifier.invalidate_tokens(user.org_id, &hashes).await;
    Ok(Json(RevokedCount {
        revoked: hashes.len(),
    }))
}

/// List the organization's tokens, with filters for monitoring. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", params(TokenQuery),
    responses((status = 200, body = List<TokenView>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<TokenQuery>,
) -> ApiResult<Json<List<TokenView>>> {
    caller.require_read()?;
    let now = state.clock.now();
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor.clone(),
    }
    .page()?;
    let filter = query_filter(&q, now)?;
    let rows = state.store.list_tokens(caller.org_id, &filter, page).await?;
    Ok(Json(List::paged(
        rows,
        page,
        |t| t.id,
        |t| TokenView::new(t, now),
    )))
}

/// Revoke every token of the organization. Requires `{"confirm": true}`; cannot be undone.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/revoke-all", tag = "tokens", request_body = Confirm,
    responses((status = 200, body = RevokedCount), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn revoke_all_org_tokens(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<Confirm>,
) -> ApiResult<Json<RevokedCount>> {
    let writer = caller.require_manage()?;
    req.check()?;
    let now = state.clock.now();
    let audit = writer.record(
        now,
        "token.revoke_all",
        "organization",
        Some(writer.org_id()),
        serde_json::json!({}),
    );
    let hashes = state
        .store
        .revoke_all_tokens(writer.org_id(), None, now, &audit)
        .await?;
    state.verifier.invalidate_tokens(writer.org_id(), &hashes).await;
    Ok(Json(RevokedCount {
        revoked: hashes.len(),
    }))
}

/// Get a token (never its secret). Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
pub async fn get_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TokenView>> {
    caller.require_read()?;
    let t = state
        .store
        .get_token(caller.org_id, id)
        .await
        .map_err(missing("token"))?;
    Ok(Json(TokenView::new(t, state.clock.now())))
}

/// Rename a token, or change its expiry, permissions or allowed IPs; takes effect on verify at
/// once. Requires: super admin or keyward:admin.
#[utoipa::path(patch, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)), request_body = UpdateToken,
    responses((status = 200, body = TokenView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<UpdateToken>,
) -> ApiResult<Json<TokenView>> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let mut t = state
        .store
        .get_token(writer.org_id(), id)
        .await
        .map_err(missing("token"))?;
    if let Some(n) = &req.name {
        t.name = input::label("name", n, 100)?;
    }
    let expires_at = input::expiry_change(t.expires_at, req.expires_at, req.expires_in_days, now)?;
    if expires_at != t.expires_at {
        check_policy(&state, t.org_id, expires_at, now).await?;
        if t.replaced_by.is_some() {
            return Err(ApiError::invalid(
                "expires_at",
                "this token was rotated; it ends with its grace period (revoke it to end it sooner)",
            ));
        }
    }
    t.expires_at = expires_at;
    if let Some(p) = &req.permissions {
        t.permissions = match p {
            Some(p) => {
                let user = state.store.get_api_user(t.org_id, t.api_user_id).await?;
                Some(check_permissions(&state, &user, p).await?)
            }
            None => None,
        };
    }
    if let Some(ips) = &req.allowed_ips {
        t.allowed_ips = parse_ips("allowed_ips", ips)?;
    }
    let audit = writer.record(
        now,
        "token.update",
        "token",
        Some(t.id),
        serde_json::json!({
            "name": t.name, "expires_at": t.expires_at.map(super::rfc3339), "permissions": t.permissions,
            "allowed_ips": t.allowed_ips.to_strings(),
        }),
    );
    let hash = state
        .store
        .update_token(&t, &audit)
        .await
        .map_err(missing("token"))?;
    state.verifier.invalidate_token(hash).await;
    Ok(Json(TokenView::new(t, now)))
}

async fn set_status(
    state: AppState,
    caller: Caller,
    id: Uuid,
    status: TokenStatus,
) -> ApiResult<Json<TokenView>> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let mut t = state
        .store
        .get_token(writer.org_id(), id)
        .await
        .map_err(missing("token"))?;
    if t.status == TokenStatus::Revoked {
        return Err(StoreError::Conflict(keyward_store::Conflict::TokenRevoked).into());
    }
    t.status = status;
    let action = if status == TokenStatus::Suspended {
        "token.suspend"
    } else {
        "token.resume"
    };
    let mut audit = writer.record(
        now,
        action,
        "token",
        Some(t.id),
        serde_json::json!({"name": t.name, "hint": t.hint}),
    );
    if status == TokenStatus::Suspended {
        let user = state.store.get_api_user(t.org_id, t.api_user_id).await?;
        audit.outbox = state
            .notifier
            .messages(
                t.org_id,
                now,
                Notifier::token_changed("token.suspended", &t, &user, &audit.actor_label),
            )
            .await?;
    }
    let hash = state
        .store
        .update_token(&t, &audit)
        .await
        .map_err(missing("token"))?;
    state.verifier.invalidate_token(hash).await;
    state.notifier.wake_for(&audit.outbox);
    Ok(Json(TokenView::new(t, now)))
}

/// Suspend a token: verify answers SUSPENDED until it is resumed.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/suspend", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn suspend_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TokenView>> {
    set_status(state, caller, id, TokenStatus::Suspended).await
}

/// Resume a suspended token. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/resume", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 200, body = TokenView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn resume_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<TokenView>> {
    set_status(state, caller, id, TokenStatus::Active).await
}

/// Revoke a token forever. A revoked token cannot be restored.
/// Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    let t = state
        .store
        .get_token(writer.org_id(), id)
        .await
        .map_err(missing("token"))?;
    let mut audit = writer.record(
        now,
        "token.revoke",
        "token",
        Some(id),
        serde_json::json!({"name": t.name, "hint": t.hint}),
    );
    if t.status != TokenStatus::Revoked {
        // The profile may be deleted already (its tokens were revoked with it): no message then.
        if let Ok(user) = state.store.get_api_user(t.org_id, t.api_user_id).await {
            audit.outbox = state
                .notifier
                .messages(
                    t.org_id,
                    now,
                    Notifier::token_changed("token.revoked", &t, &user, &audit.actor_label),
                )
                .await?;
        }
    }
    let hash = state
        .store
        .revoke_token(writer.org_id(), id, now, &audit)
        .await
        .map_err(missing("token"))?;
    state.verifier.invalidate_token(hash).await;
    state.notifier.wake_for(&audit.outbox);
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateToken {
    /// How long the old token keeps working, in seconds (0 to 30 days; default 0: it stops at
    /// once). Its own expiry still applies if sooner.
    #[serde(default)]
    pub grace_period_seconds: i64,
    /// The new token's expiry; omit both to keep the old token's lifetime (its length, from now).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub expires_in_days: Option<i64>,
}

/// Longest grace period a rotation may give the old token.
const MAX_GRACE_SECONDS: i64 = 30 * 24 * 3600;

/// Rotate a token: a new token with the same name, permissions, IPs and integration, its secret
/// shown once; the old one keeps working for the grace period, then answers EXPIRED. Both are
/// linked (`rotated_from`, `replaced_by`) and in the audit trail.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/rotate", tag = "tokens", params(("id" = Uuid, Path)), request_body = RotateToken,
    responses((status = 201, body = CreatedToken, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "token_revoked: the token is revoked or was already rotated", body = Problem),
        (status = 422, body = Problem)))]
pub async fn rotate_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Json(req): Json<RotateToken>,
) -> ApiResult<Response> {
    let writer = caller.require_manage()?;
    let now = state.clock.now();
    if !(0..=MAX_GRACE_SECONDS).contains(&req.grace_period_seconds) {
        return Err(ApiError::invalid(
            "grace_period_seconds",
            format!("must be between 0 and {MAX_GRACE_SECONDS} (30 days)"),
        ));
    }
    let old = state
        .store
        .get_token(writer.org_id(), id)
        .await
        .map_err(missing("token"))?;
    if old.status == TokenStatus::Revoked || old.replaced_by.is_some() {
        return Err(StoreError::Conflict(keyward_store::Conflict::TokenRevoked).into());
    }
    let user = state
        .store
        .get_api_user(old.org_id, old.api_user_id)
        .await
        .map_err(missing("API user"))?;
    let expires_at = match (req.expires_at, req.expires_in_days) {
        (None, None) => old.expires_at.map(|at| {
            let t = now + (at - old.created_at);
            t.replace_nanosecond(0).unwrap_or(t)
        }),
        (at, days) => input::expiry(at, days, now)?,
    };
    check_policy(&state, old.org_id, expires_at, now).await?;
    let secret = token::generate(state.verifier.prefix(), user.environment).map_err(ApiError::internal)?;
    let grace_ends = now + Duration::seconds(req.grace_period_seconds);
    let new = Token {
        id: Uuid::now_v7(),
        hint: secret.hint.clone(),
        expires_at,
        status: TokenStatus::Active,
        created_at: now,
        created_by: Some(writer.caller().label()),
        revoked_at: None,
        last_used_at: None,
        last_used_ip: None,
        use_count: 0,
        rotated_from: Some(old.id),
        replaced_by: None,
        ..old.clone()
    };
    let mut audit = writer.record(
        now,
        "token.rotate",
        "token",
        Some(new.id),
        serde_json::json!({
            "api_user_id": user.id, "username": user.username, "name": new.name, "hint": new.hint,
            "rotated_from": old.id, "old_hint": old.hint, "old_works_until": super::rfc3339(grace_ends),
            "expires_at": new.expires_at.map(super::rfc3339),
        }),
    );
    let integration = integration_label(&state, &new).await?;
    audit.outbox = state
        .notifier
        .messages(
            user.org_id,
            now,
            state
                .notifier
                .token_rotated(&old, &new, &user, &audit.actor_label, &integration, grace_ends),
        )
        .await?;
    let old_hash = state
        .store
        .rotate_token(
            &NewToken {
                token: new.clone(),
                hash: secret.hash,
            },
            grace_ends,
            &audit,
        )
        .await
        .map_err(missing("token"))?;
    state.verifier.invalidate_token(old_hash).await;
    state.verifier.invalidate_token(secret.hash).await;
    state.notifier.wake_for(&audit.outbox);
    let body = CreatedToken {
        token: secret.into_secret(),
        details: TokenView::new(new, now),
    };
    Ok(no_store(StatusCode::CREATED, axum::Json(body)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// How many days back (1 to 90, default 30).
    pub days: Option<i64>,
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
    responses((status = 200, body = Vec<UsagePointView>), (status = 404, body = Problem)))]
pub async fn token_usage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<Vec<UsagePointView>>> {
    caller.require_read()?;
    let days = q.days.unwrap_or(30);
    if !(1..=90).contains(&days) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "days must be between 1 and 90",
        ));
    }
    let since = state.clock.now() - Duration::days(days);
    let points = state
        .store
        .token_usage(caller.org_id, id, since)
        .await
        .map_err(missing("token"))?;
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
