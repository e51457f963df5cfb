//! Two-factor login for API users: TOTP (RFC 6238, SHA-1, 6 digits, 30 s, one step of skew),
//! enrolled with an `otpauth://` URI and its QR code, confirmed by a first code, each code
//! accepted once; ten single-use recovery codes.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keyward_core::token::random_base62;
use keyward_store::{TotpOwner, TotpRecord};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use totp_rs::{Algorithm, Totp};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, Json, Path, Problem};
use keyward_service::api_users::resolve;

const PURPOSE: &str = "keyward-totp-secret";

fn totp(secret: &[u8], account: &str) -> ApiResult<Totp> {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_account_name(account)
        .with_issuer(Some("keyward"))
        .build()
        .map_err(|e| ApiError::internal(format!("TOTP: {e:?}")))
}

pub fn recovery_hash(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    Sha256::digest(format!("keyward-recovery:{normalized}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Answers the once-only secrets of an enrolment.
#[derive(Serialize, ToSchema)]
pub struct TotpEnrolment {
    /// For authenticator apps; holds the seed. Shown once.
    pub otpauth_uri: String,
    /// The same as a QR code, as SVG.
    pub qr_svg: String,
    /// Ten single-use codes for when the authenticator is lost. Shown once.
    pub recovery_codes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpCode {
    pub code: String,
}

/// Enrol (or re-enrol) an API user for TOTP. The answer holds the seed and recovery codes,
/// once; login needs them only after `confirm`. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/totp", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 201, body = TotpEnrolment), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn enrol(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<Response> {
    let writer = state.service.manage(&caller)?;
    let now = state.clock.now();
    let user = resolve(&writer.read(), &key).await?;
    let (record, answer) = new_enrolment(&state, &user.username)?;
    let audit = writer.record(
        now,
        "api_user.totp_enrol",
        "api_user",
        Some(user.id),
        serde_json::json!({"username": user.username}),
    );
    state
        .store
        .set_totp(TotpOwner::ApiUser, user.org_id, user.id, &record, &audit)
        .await?;
    Ok(enrolment_response(answer))
}

/// A fresh seed (sealed for storage) and the once-only answer that carries it.
fn new_enrolment(state: &AppState, account: &str) -> ApiResult<(TotpRecord, TotpEnrolment)> {
    let mut seed = [0u8; 20];
    getrandom::fill(&mut seed).map_err(ApiError::internal)?;
    let t = totp(&seed, account)?;
    let uri = t.to_url().map_err(|e| ApiError::internal(format!("{e:?}")))?;
    let qr = qrcode::QrCode::new(uri.as_bytes())
        .map_err(ApiError::internal)?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let mut codes = Vec::with_capacity(10);
    for _ in 0..10 {
        let mut buf = [0u8; 10];
        random_base62(&mut buf).map_err(ApiError::internal)?;
        let s = String::from_utf8_lossy(&buf).to_lowercase();
        codes.push(format!("{}-{}", &s[..5], &s[5..]));
    }
    let record = TotpRecord {
        state: "pending".into(),
        secret_encrypted: Some(state.keys.seal(PURPOSE, &seed).map_err(ApiError::internal)?),
        last_step: None,
        recovery_hashes: codes.iter().map(|c| recovery_hash(c)).collect(),
    };
    Ok((
        record,
        TotpEnrolment {
            otpauth_uri: uri,
            qr_svg: qr,
            recovery_codes: codes,
        },
    ))
}

fn enrolment_response(answer: TotpEnrolment) -> Response {
    let mut res = (StatusCode::CREATED, axum::Json(answer)).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Confirm an enrolment with a first valid code. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/totp/confirm", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    request_body = TotpCode,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Json(req): Json<TotpCode>,
) -> ApiResult<StatusCode> {
    let writer = state.service.manage(&caller)?;
    let now = state.clock.now();
    let user = resolve(&writer.read(), &key).await?;
    let mut record = state.store.totp(TotpOwner::ApiUser, user.id).await?;
    if record.state == "none" {
        return Err(ApiError::invalid(
            "code",
            "enrol first: POST /v1/api-users/{id}/totp",
        ));
    }
    let Some(step) = check_code(&state, user.id, &user.username, &record, &req.code, now).await? else {
        return Err(ApiError::invalid("code", "the code is not valid now"));
    };
    record.state = "active".into();
    record.last_step = Some(step);
    let audit = writer.record(
        now,
        "api_user.totp_confirm",
        "api_user",
        Some(user.id),
        serde_json::json!({"username": user.username}),
    );
    state
        .store
        .set_totp(TotpOwner::ApiUser, user.org_id, user.id, &record, &audit)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove an API user's second factor (an API user logging in with password_totp falls back
/// to password). Requires: super admin or keyward:admin.
#[utoipa::path(delete, path = "/v1/api-users/{id}/totp", tag = "api-users", params(("id" = String, Path, description = "id or username")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    keyward_service::api_users::remove_totp(&state.service.manage(&caller)?, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The time step a code matches (without consuming it), or `None`.
async fn check_code(
    state: &AppState,
    _id: Uuid,
    account: &str,
    record: &TotpRecord,
    code: &str,
    now: OffsetDateTime,
) -> ApiResult<Option<i64>> {
    let Some(sealed) = record.secret_encrypted.as_deref() else {
        return Ok(None);
    };
    let seed = state
        .keys
        .open_sealed(PURPOSE, sealed)
        .map_err(ApiError::internal)?;
    let t = totp(&seed, account)?;
    Ok(t.check(code.trim(), now.unix_timestamp().max(0) as u64)
        .map(|s| s as i64))
}

/// A login's second factor: a TOTP code (accepted once: a replay within its window is
/// refused) or an unused recovery code.
pub async fn second_factor_ok(
    state: &AppState,
    owner: TotpOwner,
    id: Uuid,
    account: &str,
    presented: &str,
    now: OffsetDateTime,
) -> ApiResult<bool> {
    let record = state.store.totp(owner, id).await?;
    if record.state != "active" {
        return Ok(false);
    }
    if presented.contains('-') {
        return Ok(state
            .store
            .use_recovery_code(owner, id, &recovery_hash(presented))
            .await?);
    }
    match check_code(state, id, account, &record, presented, now).await? {
        Some(step) => Ok(state.store.use_totp_step(owner, id, step).await?),
        None => Ok(false),
    }
}

// ----- members: their own second factor ------------------------------------------------------

fn member_of(caller: &Caller) -> ApiResult<&keyward_core::Member> {
    caller.member().ok_or_else(|| {
        ApiError::forbidden(
            "member_required",
            "two-factor authentication is for members; tokens have none",
        )
    })
}

fn member_record(caller: &Caller, now: OffsetDateTime, action: &'static str) -> keyward_store::AuditRecord {
    let actor = caller.actor();
    let target = ("member", actor.id);
    keyward_store::AuditRecord::new(
        Some(caller.org_id),
        now,
        actor,
        action,
        target,
        serde_json::json!({}),
    )
    .from_ip(caller.ip)
}

/// Enrol yourself for two-factor sign-in. The answer holds the seed and recovery codes, once;
/// sign-in asks for a code only after `confirm`. Requires: a member session.
#[utoipa::path(post, path = "/v1/me/totp", tag = "auth",
    responses((status = 201, body = TotpEnrolment), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn me_enrol(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let m = member_of(&caller)?;
    let now = state.clock.now();
    let current = state.store.totp(TotpOwner::Member, m.id).await?;
    if current.state == "active" {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "totp_active",
            "two-factor authentication is on already; remove it first (with a code) to enrol again",
        ));
    }
    let (record, answer) = new_enrolment(&state, &m.email)?;
    state
        .store
        .set_totp(
            TotpOwner::Member,
            m.org_id,
            m.id,
            &record,
            &member_record(&caller, now, "member.totp_enrol"),
        )
        .await?;
    Ok(enrolment_response(answer))
}

/// Turn your two-factor sign-in on with a first valid code. Requires: a member session.
#[utoipa::path(post, path = "/v1/me/totp/confirm", tag = "auth", request_body = TotpCode,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn me_confirm(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<TotpCode>,
) -> ApiResult<StatusCode> {
    let m = member_of(&caller)?;
    let now = state.clock.now();
    let mut record = state.store.totp(TotpOwner::Member, m.id).await?;
    if record.state != "pending" {
        return Err(ApiError::invalid("code", "enrol first: POST /v1/me/totp"));
    }
    let Some(step) = check_code(&state, m.id, &m.email, &record, &req.code, now).await? else {
        return Err(ApiError::invalid("code", "the code is not valid now"));
    };
    record.state = "active".into();
    record.last_step = Some(step);
    state
        .store
        .set_totp(
            TotpOwner::Member,
            m.org_id,
            m.id,
            &record,
            &member_record(&caller, now, "member.totp_confirm"),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turn your two-factor sign-in off; needs a current code (or a recovery code).
/// Requires: a member session.
#[utoipa::path(delete, path = "/v1/me/totp", tag = "auth", request_body = TotpCode,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn me_remove(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<TotpCode>,
) -> ApiResult<StatusCode> {
    let m = member_of(&caller)?;
    let now = state.clock.now();
    if !second_factor_ok(&state, TotpOwner::Member, m.id, &m.email, &req.code, now).await? {
        return Err(ApiError::invalid(
            "code",
            "a valid, unused code is needed to turn two-factor off",
        ));
    }
    state
        .store
        .set_totp(
            TotpOwner::Member,
            m.org_id,
            m.id,
            &TotpRecord {
                state: "none".into(),
                ..Default::default()
            },
            &member_record(&caller, now, "member.totp_remove"),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
