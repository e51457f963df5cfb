//! Members signing in and out. A session's secret is shown once, in the answer to the sign-in;
//! only its SHA-256 is stored. Failed sign-ins are throttled per account and per address, on
//! every node at once, and audited in the account's organization when it exists.

use std::net::IpAddr;

use keyward_core::token::{TokenHash, random_base62};
use keyward_core::{Member, Organization};
use keyward_store::{Actor, ActorKind, AuditRecord, NewSession, TotpOwner};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::context::Caller;
use crate::error::{ServiceError, ServiceResult};
use crate::password;
pub use keyward_api::members::LoginRequest;

/// How a sign-in with something other than an email is counted and recorded.
const NOT_AN_EMAIL: &str = "(not an email)";

/// Prefix of member session secrets, distinct from API tokens.
pub const SESSION_PREFIX: &str = "kws_";
const SESSION_RANDOM_LEN: usize = 40;

/// A session just opened: its secret, shown this once.
pub struct Session {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// A new session secret and the hash under which it is stored.
pub fn new_session_secret() -> ServiceResult<(String, TokenHash)> {
    let mut buf = [0u8; SESSION_RANDOM_LEN];
    random_base62(&mut buf).map_err(ServiceError::internal)?;
    let secret = format!("{SESSION_PREFIX}{}", String::from_utf8_lossy(&buf));
    let hash = TokenHash::of(&secret);
    Ok((secret, hash))
}

/// A sign-in or sign-out event; its target is the member.
fn login_record(
    now: OffsetDateTime,
    org_id: Option<Uuid>,
    actor: Actor,
    action: &'static str,
    ip: IpAddr,
    details: serde_json::Value,
) -> AuditRecord {
    let target = ("member", actor.id);
    AuditRecord::new(org_id, now, actor, action, target, details).from_ip(ip)
}

impl Service {
    /// Records a refused sign-in, in the account's organization's trail when it exists.
    async fn login_refused(
        &self,
        email: &str,
        org_id: Option<Uuid>,
        ip: IpAddr,
        reason: &str,
    ) -> ServiceResult<()> {
        let record = login_record(
            self.now(),
            org_id,
            Actor::new(ActorKind::Anonymous, None, email),
            "auth.login",
            ip,
            serde_json::json!({ "reason": reason }),
        )
        .failed();
        self.store.append_audit(&record).await?;
        Ok(())
    }

    /// The organization a refused sign-in is recorded in: the account's, when the email names
    /// exactly one (several would tell one organization about another).
    async fn org_of_account(&self, email: &str) -> ServiceResult<Option<Uuid>> {
        Ok(match self.store.member_credentials(email).await?.as_slice() {
            [one] => Some(one.member.org_id),
            _ => None,
        })
    }

    /// The member behind a session secret that has not expired.
    pub async fn session_member(&self, presented: &str) -> ServiceResult<Option<Member>> {
        Ok(self
            .store
            .session_member(TokenHash::of(presented), self.now())
            .await?)
    }
}

/// Signs a member in with email, password and, when they have turned it on, a second factor.
/// Failures do not say whether the email or the password was wrong.
pub async fn login(s: &Service, req: LoginRequest, ip: IpAddr) -> ServiceResult<Session> {
    let now = s.now();
    // The account as stored (NFKC, lower case), so every spelling meets the same throttle.
    // What is not an email names no account, and is not written anywhere (it could be a
    // secret typed into the wrong field).
    let email = keyward_core::input::email("email", &req.email).unwrap_or_else(|_| NOT_AN_EMAIL.into());
    let ip_s = ip.to_string();
    if let Err(wait) = s.login_throttle.check(&email, &ip_s, now).await? {
        let org = s.org_of_account(&email).await?;
        s.login_refused(&email, org, ip, "throttled").await?;
        return Err(ServiceError::Throttled {
            code: "too_many_attempts",
            message: format!("too many failed logins; try again in {wait} seconds"),
            retry_after: wait,
        });
    }
    // Every member with this email (in the organization asked for, if any) has its password
    // checked; the one it opens is signed in. Without any, a stand-in hash is checked, so the
    // time taken does not tell whether the email exists.
    let candidates: Vec<_> = s
        .store
        .member_credentials(&email)
        .await?
        .into_iter()
        .filter(|c| req.organization.is_none_or(|o| c.member.org_id == o))
        .collect();
    let mut opened = Vec::new();
    if candidates.is_empty() {
        password::verify(req.password.clone(), None, &email).await?;
    }
    for c in candidates {
        if password::verify(req.password.clone(), Some(c.password_hash.clone()), &email).await? {
            opened.push(c);
        }
    }
    if opened.len() > 1 {
        // The password proved each of these accounts, so naming their organizations tells
        // nothing to someone who did not already hold them.
        let mut names = Vec::new();
        for c in &opened {
            let org = s.store.get_organization(c.member.org_id).await?;
            names.push(format!("{} ({})", org.name, org.id));
        }
        return Err(ServiceError::Unauthorized {
            code: "organization_required",
            message: format!(
                "this email and password open several organizations; choose one with organization: {}",
                names.join(", ")
            ),
        });
    }
    let Some(creds) = opened.pop() else {
        s.login_throttle.fail(&email, &ip_s, now).await?;
        // A failure against a known account shows in that organization's trail.
        let org = s.org_of_account(&email).await?;
        s.login_refused(&email, org, ip, "bad_credentials").await?;
        return Err(ServiceError::unauthorized("wrong email or password"));
    };
    let m = &creds.member;
    if s.store.totp(TotpOwner::Member, m.id).await?.state == "active" {
        let ok = match req.totp.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => {
                s.second_factor_ok(TotpOwner::Member, m.id, &m.email, code, now)
                    .await?
            }
            None => false,
        };
        if !ok {
            if req.totp.is_some() {
                s.login_throttle.fail(&email, &ip_s, now).await?;
            }
            let reason = if req.totp.is_some() {
                "bad_totp"
            } else {
                "totp_required"
            };
            s.login_refused(&email, Some(m.org_id), ip, reason).await?;
            return Err(ServiceError::Unauthorized {
                code: "totp_required",
                message: "enter the current code from your authenticator app (or a recovery code)".into(),
            });
        }
    }
    s.login_throttle.succeed(&email).await?;
    let (secret, hash) = new_session_secret()?;
    let expires_at = now + s.session_ttl;
    s.store
        .create_session(&NewSession {
            hash,
            member_id: m.id,
            org_id: m.org_id,
            created_at: now,
            expires_at,
        })
        .await?;
    let record = login_record(
        now,
        Some(m.org_id),
        Actor::new(ActorKind::Member, Some(m.id), m.email.clone()),
        "auth.login",
        ip,
        serde_json::json!({}),
    );
    s.store.append_audit(&record).await?;
    Ok(Session {
        token: secret,
        expires_at,
    })
}

/// Ends the caller's session; tokens cannot sign out (they are revoked instead).
pub async fn logout(s: &Service, caller: &Caller) -> ServiceResult<()> {
    let Some(hash) = caller.session else {
        return Err(ServiceError::forbidden(
            "not_a_session",
            "only member sessions can log out; revoke tokens instead",
        ));
    };
    s.store.delete_session(hash).await?;
    let m = caller.member();
    let record = login_record(
        s.now(),
        Some(caller.org_id),
        Actor::new(ActorKind::Member, m.map(|m| m.id), caller.label()),
        "auth.logout",
        caller.ip,
        serde_json::json!({}),
    );
    s.store.append_audit(&record).await?;
    Ok(())
}

/// The caller's organization, for "who am I".
pub async fn organization(s: &Service, caller: &Caller) -> ServiceResult<Organization> {
    Ok(s.store.get_organization(caller.org_id).await?)
}
