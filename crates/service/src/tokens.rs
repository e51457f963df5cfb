//! Tokens: created with their secret shown once, then known by hint only. Every change drops
//! exactly the changed tokens' cached answers.

use keyward_core::token::{self, TokenHash};
use keyward_core::{ApiUser, PermissionSet, Token, TokenStatus, input};
use keyward_store::{Conflict, CreditOwner, NewToken, Page, TokenFilter, UsagePoint};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Service;
use crate::api_users::resolve;
use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult, missing};
use crate::notifier::Notifier;
use crate::patch::{parse_ips, parse_permissions};
pub use keyward_api::tokens::{CreateToken, RotateToken, UpdateToken};

/// A token just made, with its secret: the only time the secret exists outside the caller.
pub struct CreatedToken {
    pub secret: String,
    pub token: Token,
}

/// Longest grace period a rotation may give the old token.
pub const MAX_GRACE_SECONDS: i64 = 30 * 24 * 3600;

impl Service {
    /// The permissions an API user's group grants now (its own group, or its linked member's).
    pub async fn group_permissions(&self, user: &ApiUser) -> ServiceResult<PermissionSet> {
        let group_id = match user.linked_member_id {
            Some(m) => self.store.get_member(user.org_id, m).await?.permission_group_id,
            None => user.permission_group_id,
        };
        Ok(match group_id {
            Some(g) => self.store.get_group(user.org_id, g).await?.permissions,
            None => PermissionSet::default(),
        })
    }

    /// Requested permissions, when the API user's group grants all of them.
    pub(crate) async fn permissions_within_group(
        &self,
        user: &ApiUser,
        requested: &[String],
    ) -> ServiceResult<PermissionSet> {
        let wanted = parse_permissions("permissions", requested)?;
        let group = self.group_permissions(user).await?;
        let missing = wanted.missing_from(&group);
        if !missing.is_empty() {
            return Err(ServiceError::invalid(
                "permissions",
                format!(
                    "the API user's permission group does not grant: {}",
                    missing.join(", ")
                ),
            ));
        }
        Ok(wanted)
    }

    /// Refuses an expiry outside the organization's policy, naming the policy.
    /// When something made now expires if its creator chooses nothing: the organization's
    /// `expiry_policy.default_days`, else never.
    pub(crate) async fn default_expiry(
        &self,
        org_id: Uuid,
        now: OffsetDateTime,
    ) -> ServiceResult<Option<OffsetDateTime>> {
        let policy = self.store.get_settings(org_id).await?.expiry_policy;
        Ok(policy.default_days.map(|d| now + Duration::days(d.into())))
    }

    async fn check_expiry_policy(
        &self,
        org_id: Uuid,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> ServiceResult<()> {
        let settings = self.store.get_settings(org_id).await?;
        settings
            .expiry_policy
            .check(expires_at, now)
            .map_err(|e| ServiceError::Invalid {
                code: "expiry_policy",
                field: e.field,
                message: e.message,
            })
    }

    /// The integration a token is bound to, by name, for messages.
    async fn integration_label(&self, t: &Token) -> ServiceResult<String> {
        Ok(match t.integration_id {
            Some(i) => self.store.get_integration(t.org_id, i).await?.name,
            None => "any".into(),
        })
    }
}

/// A page of the organization's tokens (or one API user's, by `filter.api_user_id`).
pub async fn list(r: &Read<'_>, filter: &TokenFilter, page: Page) -> ServiceResult<Vec<Token>> {
    Ok(r.service().store.list_tokens(r.org_id(), filter, page).await?)
}

/// A page of one API user's tokens, the API user named by id or username.
pub async fn list_for_api_user(
    r: &Read<'_>,
    key: &str,
    mut filter: TokenFilter,
    page: Page,
) -> ServiceResult<Vec<Token>> {
    let user = resolve(r, key).await?;
    filter.api_user_id = Some(user.id);
    list(r, &filter, page).await
}

pub async fn get(r: &Read<'_>, id: Uuid) -> ServiceResult<Token> {
    let found = r.service().store.get_token(r.org_id(), id).await;
    found.map_err(missing("token"))
}

/// Verifications of a token per hour and result code, since `since`.
pub async fn usage(r: &Read<'_>, id: Uuid, since: OffsetDateTime) -> ServiceResult<Vec<UsagePoint>> {
    let found = r.service().store.token_usage(r.org_id(), id, since).await;
    found.map_err(missing("token"))
}

/// Creates a token for the API user named by id or username; every administrator hears of it.
pub async fn create(m: &Manage<'_>, api_user: &str, req: CreateToken) -> ServiceResult<CreatedToken> {
    let s = m.service();
    let now = s.now();
    let user = resolve(&m.read(), api_user).await?;
    let name = input::label("name", &req.name, 100)?;
    let default = s.default_expiry(user.org_id, now).await?;
    let expires_at = input::expiry_change(default, req.expires_at, req.expires_in_days, now)?;
    s.check_expiry_policy(user.org_id, expires_at, now).await?;
    let permissions = match &req.permissions {
        Some(p) => Some(s.permissions_within_group(&user, p).await?),
        None => None,
    };
    let allowed_ips = parse_ips("allowed_ips", &req.allowed_ips)?;
    if let Some(i) = req.integration_id
        && !user.integration_ids.is_empty()
        && !user.integration_ids.contains(&i)
    {
        return Err(ServiceError::invalid(
            "integration_id",
            "the API user is not allowed to use this integration",
        ));
    }
    let secret = token::generate(s.token_prefix(), user.environment).map_err(ServiceError::internal)?;
    let t = Token {
        permissions,
        integration_id: req.integration_id,
        allowed_ips,
        expires_at,
        metadata: input::metadata(req.metadata.clone())?,
        ratelimits: crate::credits::parse_ratelimits("ratelimits", &req.ratelimits)?,
        credits: crate::credits::new_balance(user.org_id, req.credits.as_ref(), now)?,
        ..Token::new(&user, name, secret.hint.clone(), now, Some(m.caller().label()))
    };
    let mut audit = m.record(
        now,
        "token.create",
        "token",
        Some(t.id),
        serde_json::json!({
            "api_user_id": user.id, "username": user.username, "name": t.name, "hint": t.hint,
            "expires_at": t.expires_at.map(crate::rfc3339), "integration_id": t.integration_id,
            "permissions": t.permissions, "allowed_ips": t.allowed_ips.to_strings(),
        }),
    );
    let integration = s.integration_label(&t).await?;
    let announcement = s
        .notifier
        .token_created(&t, &user, audit.actor_label(), &integration);
    s.notifier.attach(&mut audit, user.org_id, announcement).await?;
    s.store
        .create_token(
            &NewToken {
                token: t.clone(),
                hash: secret.hash,
            },
            &audit,
        )
        .await?;
    s.verifier.invalidate_token(secret.hash).await;
    s.notifier.wake_for(audit.outbox());
    Ok(CreatedToken {
        secret: secret.into_secret(),
        token: t,
    })
}

/// Revokes every token of the API user named by `api_user`, or of the whole organization
/// when it is `None`; answers how many were revoked. Cannot be undone.
pub async fn revoke_all(m: &Manage<'_>, api_user: Option<&str>) -> ServiceResult<usize> {
    let s = m.service();
    let now = s.now();
    let (audit, user_id) = match api_user {
        Some(key) => {
            let user = resolve(&m.read(), key).await?;
            let audit = m.record(
                now,
                "token.revoke_all",
                "api_user",
                Some(user.id),
                serde_json::json!({"username": user.username}),
            );
            (audit, Some(user.id))
        }
        None => (
            m.record(
                now,
                "token.revoke_all",
                "organization",
                Some(m.org_id()),
                serde_json::json!({}),
            ),
            None,
        ),
    };
    let hashes = s
        .store
        .revoke_all_tokens(m.org_id(), user_id, now, &audit)
        .await?;
    s.verifier.invalidate_tokens(m.org_id(), &hashes).await;
    Ok(hashes.len())
}

/// Renames a token or changes its expiry, permissions or allowed IPs; takes effect on verify
/// at once.
pub async fn update(m: &Manage<'_>, id: Uuid, req: UpdateToken) -> ServiceResult<Token> {
    let req = &req;
    crate::patch::on_a_fresh_read(|| update_once(m, id, req)).await
}

async fn update_once(m: &Manage<'_>, id: Uuid, req: &UpdateToken) -> ServiceResult<Token> {
    let s = m.service();
    let now = s.now();
    let mut t = get(&m.read(), id).await?;
    if let Some(n) = &req.name {
        t.name = input::label("name", n, 100)?;
    }
    let expires_at = input::expiry_change(t.expires_at, req.expires_at, req.expires_in_days, now)?;
    if expires_at != t.expires_at {
        s.check_expiry_policy(t.org_id, expires_at, now).await?;
        if t.replaced_by.is_some() {
            return Err(ServiceError::invalid(
                "expires_at",
                "this token was rotated; it ends with its grace period (revoke it to end it sooner)",
            ));
        }
    }
    t.expires_at = expires_at;
    if let Some(p) = &req.permissions {
        t.permissions = match p {
            Some(p) => {
                let user = s.store.get_api_user(t.org_id, t.api_user_id).await?;
                Some(s.permissions_within_group(&user, p).await?)
            }
            None => None,
        };
    }
    if let Some(md) = &req.metadata {
        t.metadata = input::metadata(md.clone())?;
    }
    if let Some(ips) = &req.allowed_ips {
        t.allowed_ips = parse_ips("allowed_ips", ips)?;
    }
    if let Some(l) = &req.ratelimits {
        t.ratelimits = crate::credits::parse_ratelimits("ratelimits", l)?;
    }
    // Checked before anything is written, so a bad balance leaves the token unchanged.
    if let Some(Some(c)) = &req.credits {
        crate::credits::parse_credits("credits", c)?;
    }
    let audit = m.record(
        now,
        "token.update",
        "token",
        Some(t.id),
        serde_json::json!({
            "name": t.name, "expires_at": t.expires_at.map(crate::rfc3339), "permissions": t.permissions,
            "allowed_ips": t.allowed_ips.to_strings(), "ratelimits": t.ratelimits,
        }),
    );
    let hash = s.store.update_token(&t, &audit).await.map_err(missing("token"))?;
    if let Some(credits) = &req.credits {
        let old = t.credits.map(|b| b.id);
        t.credits = crate::credits::set(m, CreditOwner::Token(t.id), credits.as_ref()).await?;
        for id in old.into_iter().chain(t.credits.map(|b| b.id)) {
            s.verifier.credits_changed(id);
        }
        // Other nodes hold leases of the old balance: they ask again before spending.
        s.verifier.invalidate_org(t.org_id).await;
    }
    s.verifier.invalidate_token(hash).await;
    Ok(t)
}

/// Suspends a token: verify answers SUSPENDED until it is resumed.
pub async fn suspend(m: &Manage<'_>, id: Uuid) -> ServiceResult<Token> {
    set_status(m, id, TokenStatus::Suspended).await
}

pub async fn resume(m: &Manage<'_>, id: Uuid) -> ServiceResult<Token> {
    set_status(m, id, TokenStatus::Active).await
}

async fn set_status(m: &Manage<'_>, id: Uuid, status: TokenStatus) -> ServiceResult<Token> {
    let s = m.service();
    let now = s.now();
    let mut t = get(&m.read(), id).await?;
    if t.status == TokenStatus::Revoked {
        return Err(ServiceError::Conflict(Conflict::TokenRevoked));
    }
    t.status = status;
    let action = if status == TokenStatus::Suspended {
        "token.suspend"
    } else {
        "token.resume"
    };
    let mut audit = m.record(
        now,
        action,
        "token",
        Some(t.id),
        serde_json::json!({"name": t.name, "hint": t.hint}),
    );
    if status == TokenStatus::Suspended {
        let user = s.store.get_api_user(t.org_id, t.api_user_id).await?;
        let announcement = Notifier::token_changed("token.suspended", &t, &user, audit.actor_label());
        s.notifier.attach(&mut audit, t.org_id, announcement).await?;
    }
    // The status alone: a concurrent rotation's end or PATCH is not written back.
    let hash = s
        .store
        .set_token_status(t.org_id, t.id, status, &audit)
        .await
        .map_err(missing("token"))?;
    s.verifier.invalidate_token(hash).await;
    s.notifier.wake_for(audit.outbox());
    get(&m.read(), id).await
}

/// Revokes a token forever (idempotent).
pub async fn revoke(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    let s = m.service();
    let now = s.now();
    let t = get(&m.read(), id).await?;
    let mut audit = m.record(
        now,
        "token.revoke",
        "token",
        Some(id),
        serde_json::json!({"name": t.name, "hint": t.hint}),
    );
    if t.status != TokenStatus::Revoked {
        // The profile may be deleted already (its tokens were revoked with it): no message then.
        if let Ok(user) = s.store.get_api_user(t.org_id, t.api_user_id).await {
            let announcement = Notifier::token_changed("token.revoked", &t, &user, audit.actor_label());
            s.notifier.attach(&mut audit, t.org_id, announcement).await?;
        }
    }
    let hash: TokenHash = s
        .store
        .revoke_token(m.org_id(), id, now, &audit)
        .await
        .map_err(missing("token"))?;
    s.verifier.invalidate_token(hash).await;
    s.notifier.wake_for(audit.outbox());
    Ok(())
}

/// Rotates a token: a new token with the same name, permissions, IPs and integration; the old
/// one keeps working for the grace period, then answers EXPIRED. Both are linked
/// (`rotated_from`, `replaced_by`) and in the audit trail.
pub async fn rotate(m: &Manage<'_>, id: Uuid, req: RotateToken) -> ServiceResult<CreatedToken> {
    let s = m.service();
    let now = s.now();
    if !(0..=MAX_GRACE_SECONDS).contains(&req.grace_period_seconds) {
        return Err(ServiceError::invalid(
            "grace_period_seconds",
            format!("must be between 0 and {MAX_GRACE_SECONDS} (30 days)"),
        ));
    }
    let old = get(&m.read(), id).await?;
    if old.status == TokenStatus::Revoked || old.replaced_by.is_some() {
        return Err(ServiceError::Conflict(Conflict::TokenRevoked));
    }
    let user = s
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
    s.check_expiry_policy(old.org_id, expires_at, now).await?;
    let secret = token::generate(s.token_prefix(), user.environment).map_err(ServiceError::internal)?;
    let grace_ends = now + Duration::seconds(req.grace_period_seconds);
    let new = Token {
        id: Uuid::now_v7(),
        hint: secret.hint.clone(),
        expires_at,
        status: TokenStatus::Active,
        created_at: now,
        created_by: Some(m.caller().label()),
        revoked_at: None,
        last_used_at: None,
        last_used_ip: None,
        use_count: 0,
        rotated_from: Some(old.id),
        replaced_by: None,
        imported_from: None,
        imported_at: None,
        ..old.clone()
    };
    let mut audit = m.record(
        now,
        "token.rotate",
        "token",
        Some(new.id),
        serde_json::json!({
            "api_user_id": user.id, "username": user.username, "name": new.name, "hint": new.hint,
            "rotated_from": old.id, "old_hint": old.hint, "old_works_until": crate::rfc3339(grace_ends),
            "expires_at": new.expires_at.map(crate::rfc3339),
        }),
    );
    let integration = s.integration_label(&new).await?;
    let announcement =
        s.notifier
            .token_rotated(&old, &new, &user, audit.actor_label(), &integration, grace_ends);
    s.notifier.attach(&mut audit, user.org_id, announcement).await?;
    let old_hash = s
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
    s.verifier.invalidate_token(old_hash).await;
    s.verifier.invalidate_token(secret.hash).await;
    s.notifier.wake_for(audit.outbox());
    if old.status == TokenStatus::Suspended {
        // The new token is active where the old one was suspended: say so in the trail.
        let resumed = m.record(
            now,
            "token.resume",
            "token",
            Some(new.id),
            serde_json::json!({"name": new.name, "hint": new.hint, "via": "rotation", "rotated_from": old.id}),
        );
        s.store.append_audit(&resumed).await?;
    }
    Ok(CreatedToken {
        secret: secret.into_secret(),
        token: new,
    })
}
