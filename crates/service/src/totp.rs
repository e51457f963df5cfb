//! Second factors: TOTP (RFC 6238, SHA-1, 6 digits, 30 s, one step of skew), enrolled with an
//! `otpauth://` URI and its QR code, confirmed by a first code, each code accepted once; ten
//! single-use recovery codes. API users' are managed by administrators; members manage their
//! own.

use keyward_core::token::random_base62;
use keyward_core::{ApiUser, Member};
use keyward_store::{AuditRecord, TotpOwner, TotpRecord};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use totp_rs::{Algorithm, Totp};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Service;
use crate::api_users::resolve;
use crate::context::{Caller, Manage};
use crate::error::{ServiceError, ServiceResult};

const PURPOSE: &str = "keyward-totp-secret";

/// The once-only secrets of an enrolment.
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

fn totp(secret: &[u8], account: &str) -> ServiceResult<Totp> {
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_account_name(account)
        .with_issuer(Some("keyward"))
        .build()
        .map_err(|e| ServiceError::internal(format!("TOTP: {e:?}")))
}

/// What is stored of a recovery code: its SHA-256, ignoring case and punctuation.
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

impl Service {
    /// A fresh seed (sealed for storage) and the once-only answer that carries it.
    fn new_enrolment(&self, account: &str) -> ServiceResult<(TotpRecord, TotpEnrolment)> {
        let mut seed = [0u8; 20];
        getrandom::fill(&mut seed).map_err(ServiceError::internal)?;
        let t = totp(&seed, account)?;
        let uri = t.to_url().map_err(|e| ServiceError::internal(format!("{e:?}")))?;
        let qr = qrcode::QrCode::new(uri.as_bytes())
            .map_err(ServiceError::internal)?
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build();
        let mut codes = Vec::with_capacity(10);
        for _ in 0..10 {
            let mut buf = [0u8; 10];
            random_base62(&mut buf).map_err(ServiceError::internal)?;
            let s = String::from_utf8_lossy(&buf).to_lowercase();
            codes.push(format!("{}-{}", &s[..5], &s[5..]));
        }
        let record = TotpRecord {
            state: "pending".into(),
            secret_encrypted: Some(self.keys.seal(PURPOSE, &seed).map_err(ServiceError::internal)?),
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

    /// The time step a code matches (without consuming it), or `None`.
    fn check_code(
        &self,
        account: &str,
        record: &TotpRecord,
        code: &str,
        now: OffsetDateTime,
    ) -> ServiceResult<Option<i64>> {
        let Some(sealed) = record.secret_encrypted.as_deref() else {
            return Ok(None);
        };
        let seed = self
            .keys
            .open_sealed(PURPOSE, sealed)
            .map_err(ServiceError::internal)?;
        let t = totp(&seed, account)?;
        Ok(t.check(code.trim(), now.unix_timestamp().max(0) as u64)
            .map(|s| s as i64))
    }

    /// A login's second factor: a TOTP code (accepted once: a replay within its window is
    /// refused) or an unused recovery code.
    pub async fn second_factor_ok(
        &self,
        owner: TotpOwner,
        id: Uuid,
        account: &str,
        presented: &str,
        now: OffsetDateTime,
    ) -> ServiceResult<bool> {
        let record = self.store.totp(owner, id).await?;
        if record.state != "active" {
            return Ok(false);
        }
        if presented.contains('-') {
            return Ok(self
                .store
                .use_recovery_code(owner, id, &recovery_hash(presented))
                .await?);
        }
        match self.check_code(account, &record, presented, now)? {
            Some(step) => Ok(self.store.use_totp_step(owner, id, step).await?),
            None => Ok(false),
        }
    }
}

/// Enrols (or re-enrols) an API user; login needs the code only after [`confirm_api_user`].
pub async fn enrol_api_user(m: &Manage<'_>, key: &str) -> ServiceResult<TotpEnrolment> {
    let s = m.service();
    let user = resolve(&m.read(), key).await?;
    let (record, answer) = s.new_enrolment(&user.username)?;
    set_for_api_user(m, &user, &record, "api_user.totp_enrol").await?;
    Ok(answer)
}

/// Confirms an API user's enrolment with a first valid code.
pub async fn confirm_api_user(m: &Manage<'_>, key: &str, code: &str) -> ServiceResult<()> {
    let s = m.service();
    let now = s.now();
    let user = resolve(&m.read(), key).await?;
    let mut record = s.store.totp(TotpOwner::ApiUser, user.id).await?;
    if record.state == "none" {
        return Err(ServiceError::invalid(
            "code",
            "enrol first: POST /v1/api-users/{id}/totp",
        ));
    }
    let Some(step) = s.check_code(&user.username, &record, code, now)? else {
        return Err(ServiceError::invalid("code", "the code is not valid now"));
    };
    record.state = "active".into();
    record.last_step = Some(step);
    set_for_api_user(m, &user, &record, "api_user.totp_confirm").await?;
    Ok(())
}

/// Removes an API user's second factor; one logging in with password_totp falls back to
/// password, which changes how its access tokens verify.
pub async fn remove_api_user(m: &Manage<'_>, key: &str) -> ServiceResult<()> {
    let s = m.service();
    let user = resolve(&m.read(), key).await?;
    let none = TotpRecord {
        state: "none".into(),
        ..Default::default()
    };
    set_for_api_user(m, &user, &none, "api_user.totp_remove").await?;
    s.verifier.invalidate_org(user.org_id).await;
    Ok(())
}

/// Writes an API user's second-factor record, audited as `action`.
async fn set_for_api_user(
    m: &Manage<'_>,
    user: &ApiUser,
    record: &TotpRecord,
    action: &'static str,
) -> ServiceResult<()> {
    let s = m.service();
    let audit = crate::api_users::record_of(m, s.now(), action, user);
    s.store
        .set_totp(TotpOwner::ApiUser, user.org_id, user.id, record, &audit)
        .await?;
    Ok(())
}

fn member_of(caller: &Caller) -> ServiceResult<&Member> {
    caller.member().ok_or_else(|| {
        ServiceError::forbidden(
            "member_required",
            "two-factor authentication is for members; tokens have none",
        )
    })
}

/// Writes a member's own second-factor record, audited as `action`.
async fn set_own(
    s: &Service,
    caller: &Caller,
    record: &TotpRecord,
    action: &'static str,
) -> ServiceResult<()> {
    let m = member_of(caller)?;
    let actor = caller.actor();
    let target = ("member", actor.id);
    let audit = AuditRecord::new(
        Some(caller.org_id),
        s.now(),
        actor,
        action,
        target,
        serde_json::json!({}),
    );
    s.store
        .set_totp(TotpOwner::Member, m.org_id, m.id, record, &audit)
        .await?;
    Ok(())
}

/// A member enrols themselves; sign-in asks for a code only after [`confirm_own`].
pub async fn enrol_own(s: &Service, caller: &Caller) -> ServiceResult<TotpEnrolment> {
    let m = member_of(caller)?;
    let current = s.store.totp(TotpOwner::Member, m.id).await?;
    if current.state == "active" {
        return Err(ServiceError::Conflict(keyward_store::Conflict::TotpActive));
    }
    let (record, answer) = s.new_enrolment(&m.email)?;
    set_own(s, caller, &record, "member.totp_enrol").await?;
    Ok(answer)
}

/// A member turns their second factor on with a first valid code.
pub async fn confirm_own(s: &Service, caller: &Caller, code: &str) -> ServiceResult<()> {
    let m = member_of(caller)?;
    let now = s.now();
    let mut record = s.store.totp(TotpOwner::Member, m.id).await?;
    if record.state != "pending" {
        return Err(ServiceError::invalid("code", "enrol first: POST /v1/me/totp"));
    }
    let Some(step) = s.check_code(&m.email, &record, code, now)? else {
        return Err(ServiceError::invalid("code", "the code is not valid now"));
    };
    record.state = "active".into();
    record.last_step = Some(step);
    set_own(s, caller, &record, "member.totp_confirm").await?;
    Ok(())
}

/// A member turns their second factor off, with a current code (or a recovery code).
pub async fn remove_own(s: &Service, caller: &Caller, code: &str) -> ServiceResult<()> {
    let m = member_of(caller)?;
    let now = s.now();
    if !s
        .second_factor_ok(TotpOwner::Member, m.id, &m.email, code, now)
        .await?
    {
        return Err(ServiceError::invalid(
            "code",
            "a valid, unused code is needed to turn two-factor off",
        ));
    }
    let none = TotpRecord {
        state: "none".into(),
        ..Default::default()
    };
    set_own(s, caller, &none, "member.totp_remove").await
}

/// Whether a member's own second factor is `none`, `pending` (enrolled, not confirmed) or
/// `active`.
pub async fn own_state(s: &Service, caller: &Caller) -> ServiceResult<String> {
    let m = member_of(caller)?;
    Ok(s.store.totp(TotpOwner::Member, m.id).await?.state)
}

/// Whether the member's organization requires two-factor authentication of members and this
/// member has not turned it on.
pub async fn second_factor_missing(s: &Service, member: &Member) -> ServiceResult<bool> {
    if !s.store.get_settings(member.org_id).await?.require_member_2fa {
        return Ok(false);
    }
    Ok(s.store.totp(TotpOwner::Member, member.id).await?.state != "active")
}
