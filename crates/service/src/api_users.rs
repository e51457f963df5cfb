//! API user profiles: one per integration is recommended. A change to a profile changes how its
//! tokens verify, so every change drops the organization's cached answers.

use keyward_core::{ApiUser, ApiUserStatus, AuthMethod, Environment, input};
use keyward_store::{ApiUserFilter, AuditRecord, Page, TotpOwner};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult, missing};
use crate::notifier::Notifier;
use crate::password;
use crate::patch::parse_ips;
pub use keyward_api::api_users::{CreateApiUser, SetPassword, UpdateApiUser};

/// password_totp needs a confirmed TOTP enrolment (`totp_active`), so that a login is never
/// silently weakened to a password alone.
fn check_auth_method(m: AuthMethod, totp_active: bool) -> ServiceResult<AuthMethod> {
    if m == AuthMethod::PasswordTotp && !totp_active {
        return Err(ServiceError::invalid(
            "auth_method",
            "password_totp needs TOTP first: POST /v1/api-users/{id}/totp, then /totp/confirm with a code",
        ));
    }
    Ok(m)
}

fn validate_contact(c: Option<&str>) -> ServiceResult<Option<String>> {
    Ok(c.map(|c| input::email("contact_email", c)).transpose()?)
}

fn validate_external_id(e: Option<&str>) -> ServiceResult<Option<String>> {
    Ok(e.map(|e| input::label("external_id", e, 200)).transpose()?)
}

/// An API user by id or by username, within the caller's organization.
pub async fn resolve(r: &Read<'_>, key: &str) -> ServiceResult<ApiUser> {
    let store = &r.service().store;
    let found = match Uuid::parse_str(key) {
        Ok(id) => store.get_api_user(r.org_id(), id).await,
        Err(_) => store.find_api_user(r.org_id(), key).await,
    };
    found.map_err(missing("API user"))
}

/// A page of API users, each with its count of tokens that are not revoked.
pub async fn list(
    r: &Read<'_>,
    filter: &ApiUserFilter,
    page: Page,
) -> ServiceResult<Vec<(ApiUser, Option<i64>)>> {
    let store = &r.service().store;
    let rows = store.list_api_users(r.org_id(), filter, page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let counts = store.token_counts(r.org_id(), &ids).await?;
    Ok(rows
        .into_iter()
        .map(|u| {
            let n = counts.iter().find(|(id, _)| *id == u.id).map(|(_, n)| *n);
            (u, n)
        })
        .collect())
}

/// One API user, by id or username, with its count of tokens that are not revoked.
pub async fn get(r: &Read<'_>, key: &str) -> ServiceResult<(ApiUser, Option<i64>)> {
    let u = resolve(r, key).await?;
    let n = r
        .service()
        .store
        .token_counts(r.org_id(), &[u.id])
        .await?
        .first()
        .map(|(_, n)| *n);
    Ok((u, n))
}

/// Creates a profile; every administrator hears of it.
pub async fn create(m: &Manage<'_>, req: CreateApiUser) -> ServiceResult<ApiUser> {
    let s = m.service();
    let now = s.now();
    let username = input::username(&req.username)?;
    let default_expiry = s.default_expiry(m.org_id(), now).await?;
    if req.permission_group_id.is_some() && req.linked_member_id.is_some() {
        return Err(ServiceError::invalid(
            "linked_member_id",
            "give permission_group_id or linked_member_id, not both",
        ));
    }
    if req.integration_ids.len() > 100 {
        return Err(ServiceError::invalid(
            "integration_ids",
            "at most 100 integrations",
        ));
    }
    let mut integration_ids = req.integration_ids.clone();
    integration_ids.dedup();
    let user = ApiUser {
        id: Uuid::now_v7(),
        org_id: m.org_id(),
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
        expires_at: input::expiry_change(default_expiry, req.expires_at, req.expires_in_days, now)?,
        contact_email: validate_contact(req.contact_email.as_deref())?,
        external_id: validate_external_id(req.external_id.as_deref())?,
        metadata: input::metadata(req.metadata)?,
        ratelimits: crate::credits::parse_ratelimits("ratelimits", &req.ratelimits)?,
        credits: crate::credits::new_balance(m.org_id(), req.credits.as_ref(), now)?,
        has_password: req.password.is_some(),
        auth_method: check_auth_method(req.auth_method.unwrap_or(AuthMethod::Token), false)?,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    let password_hash = match req.password {
        Some(p) => {
            input::password("password", &p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let mut audit = m.record(now, "api_user.create", "api_user", Some(user.id), serde_json::json!({
        "username": user.username, "environment": user.environment, "permission_group_id": user.permission_group_id,
        "linked_member_id": user.linked_member_id, "integration_ids": user.integration_ids,
        "allowed_ips": user.allowed_ips.to_strings(), "has_password": user.has_password,
    }));
    let announcement = s
        .notifier
        .api_user_created(&user, audit.actor_label(), user.has_password);
    s.notifier.attach(&mut audit, user.org_id, announcement).await?;
    s.store
        .create_api_user(&user, password_hash.as_deref(), &audit)
        .await?;
    s.notifier.wake_for(audit.outbox());
    Ok(user)
}

/// Changes a profile; takes effect on verify at once.
pub async fn update(m: &Manage<'_>, key: &str, req: UpdateApiUser) -> ServiceResult<ApiUser> {
    let req = &req;
    crate::patch::on_a_fresh_read(|| update_once(m, key, req)).await
}

async fn update_once(m: &Manage<'_>, key: &str, req: &UpdateApiUser) -> ServiceResult<ApiUser> {
    let s = m.service();
    let now = s.now();
    let mut u = resolve(&m.read(), key).await?;
    let before = u.clone();
    if let Some(x) = &req.username {
        u.username = input::username(x)?;
    }
    if let Some(x) = &req.name {
        u.name = input::label("name", x, 200)?;
    }
    if let Some(x) = &req.description {
        u.description = input::text("description", x, 1000)?;
    }
    if let Some(method) = req.auth_method {
        let totp_active = s.store.totp(TotpOwner::ApiUser, u.id).await?.state == "active";
        u.auth_method = check_auth_method(method, totp_active)?;
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
        return Err(ServiceError::invalid(
            "linked_member_id",
            "an API user has a permission group or a linked member, not both",
        ));
    }
    if let Some(x) = &req.integration_ids {
        if x.len() > 100 {
            return Err(ServiceError::invalid(
                "integration_ids",
                "at most 100 integrations",
            ));
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
    if let Some(x) = &req.metadata {
        u.metadata = input::metadata(x.clone())?;
    }
    if let Some(l) = &req.ratelimits {
        u.ratelimits = crate::credits::parse_ratelimits("ratelimits", l)?;
    }
    // Checked before anything is written, so a bad balance leaves the API user unchanged.
    if let Some(Some(c)) = &req.credits {
        crate::credits::parse_credits("credits", c)?;
    }
    u.updated_at = now;
    let audit = m.record(now, "api_user.update", "api_user", Some(u.id), serde_json::json!({
        "changed": changed_fields(&before, &u),
        "username": u.username, "name": u.name, "description": u.description, "environment": u.environment,
        "auth_method": u.auth_method.as_str(), "permission_group_id": u.permission_group_id,
        "linked_member_id": u.linked_member_id, "integration_ids": u.integration_ids,
        "allowed_ips": u.allowed_ips.to_strings(), "expires_at": u.expires_at.map(crate::rfc3339),
        "contact_email": u.contact_email, "external_id": u.external_id, "metadata": u.metadata,
        "ratelimits": u.ratelimits,
    }));
    s.store
        .update_api_user(&u, &audit)
        .await
        .map_err(missing("API user"))?;
    if let Some(credits) = &req.credits {
        let old = u.credits.map(|b| b.id);
        u.credits =
            crate::credits::set(m, keyward_store::CreditOwner::ApiUser(u.id), credits.as_ref()).await?;
        for id in old.into_iter().chain(u.credits.map(|b| b.id)) {
            s.verifier.credits_changed(id);
        }
    }
    s.verifier.invalidate_org(u.org_id).await;
    Ok(u)
}

/// The names of the fields an update changed, for its audit event.
fn changed_fields(before: &ApiUser, after: &ApiUser) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut note = |name: &'static str, changed: bool| {
        if changed {
            out.push(name);
        }
    };
    note("username", before.username != after.username);
    note("name", before.name != after.name);
    note("description", before.description != after.description);
    note("environment", before.environment != after.environment);
    note("auth_method", before.auth_method != after.auth_method);
    note(
        "permission_group_id",
        before.permission_group_id != after.permission_group_id,
    );
    note(
        "linked_member_id",
        before.linked_member_id != after.linked_member_id,
    );
    note("integration_ids", before.integration_ids != after.integration_ids);
    note("allowed_ips", before.allowed_ips != after.allowed_ips);
    note("expires_at", before.expires_at != after.expires_at);
    note("contact_email", before.contact_email != after.contact_email);
    note("external_id", before.external_id != after.external_id);
    note("metadata", before.metadata != after.metadata);
    note("ratelimits", before.ratelimits != after.ratelimits);
    out
}

/// Suspends a profile: every one of its tokens answers SUSPENDED until it is resumed.
pub async fn suspend(m: &Manage<'_>, key: &str) -> ServiceResult<ApiUser> {
    set_status(m, key, ApiUserStatus::Suspended).await
}

pub async fn resume(m: &Manage<'_>, key: &str) -> ServiceResult<ApiUser> {
    set_status(m, key, ApiUserStatus::Active).await
}

async fn set_status(m: &Manage<'_>, key: &str, status: ApiUserStatus) -> ServiceResult<ApiUser> {
    let s = m.service();
    let now = s.now();
    let mut u = resolve(&m.read(), key).await?;
    u.status = status;
    u.updated_at = now;
    let action = if status == ApiUserStatus::Suspended {
        "api_user.suspend"
    } else {
        "api_user.resume"
    };
    let mut audit = record_of(m, now, action, &u);
    if status == ApiUserStatus::Suspended {
        let announcement = Notifier::api_user_changed("api_user.suspended", &u, audit.actor_label());
        s.notifier.attach(&mut audit, u.org_id, announcement).await?;
    }
    // The status alone: a concurrent PATCH is not written back, nor undone.
    s.store
        .set_api_user_status(u.org_id, u.id, status, now, &audit)
        .await
        .map_err(missing("API user"))?;
    s.verifier.invalidate_org(u.org_id).await;
    s.notifier.wake_for(audit.outbox());
    Ok(s.store.get_api_user(u.org_id, u.id).await?)
}

/// Sets (argon2id, never shown again) or removes a profile's password. Setting one is a new
/// credential: administrators hear of it by email.
pub async fn set_password(m: &Manage<'_>, key: &str, password: Option<String>) -> ServiceResult<()> {
    let s = m.service();
    let now = s.now();
    let u = resolve(&m.read(), key).await?;
    let hash = match password {
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
    let mut audit = record_of(m, now, action, &u);
    if hash.is_some() {
        let mut a = s.notifier.api_user_created(&u, audit.actor_label(), true);
        a.data["password_set"] = true.into();
        if let Some(email) = &mut a.email {
            email.subject = format!(
                "New API credentials were created for {} (password set)",
                u.username
            );
        }
        // Only the email: `api_user.created` would tell webhooks something that did not happen.
        a.event = "api_user.password_set";
        s.notifier.attach(&mut audit, u.org_id, a).await?;
    }
    s.store
        .set_api_user_password(u.org_id, u.id, hash.as_deref(), now, &audit)
        .await
        .map_err(missing("API user"))?;
    s.notifier.wake_for(audit.outbox());
    Ok(())
}

/// Deletes a profile and revokes all its tokens. Cannot be undone.
pub async fn delete(m: &Manage<'_>, key: &str) -> ServiceResult<()> {
    let s = m.service();
    let now = s.now();
    let u = resolve(&m.read(), key).await?;
    let mut audit = record_of(m, now, "api_user.delete", &u);
    let announcement = Notifier::api_user_changed("api_user.deleted", &u, audit.actor_label());
    s.notifier.attach(&mut audit, u.org_id, announcement).await?;
    let hashes = s
        .store
        .delete_api_user(u.org_id, u.id, now, &audit)
        .await
        .map_err(missing("API user"))?;
    s.notifier.wake_for(audit.outbox());
    s.verifier.invalidate_tokens(u.org_id, &hashes).await;
    s.verifier.invalidate_org(u.org_id).await;
    Ok(())
}

/// Lifts a profile's OAuth sign-in lockout, on every node at once.
pub async fn unlock(m: &Manage<'_>, key: &str) -> ServiceResult<()> {
    let s = m.service();
    let u = resolve(&m.read(), key).await?;
    // Client logins are throttled by the API user's id, however the client spelled it.
    s.login_throttle.unlock(&format!("oauth:{}", u.id)).await?;
    let audit = record_of(m, s.now(), "api_user.unlock", &u);
    s.store.append_audit(&audit).await?;
    Ok(())
}

/// The audit record of a change to an API user, naming it.
pub(crate) fn record_of(
    m: &Manage<'_>,
    now: OffsetDateTime,
    action: &'static str,
    u: &ApiUser,
) -> AuditRecord {
    m.record(
        now,
        action,
        "api_user",
        Some(u.id),
        serde_json::json!({"username": u.username}),
    )
}
