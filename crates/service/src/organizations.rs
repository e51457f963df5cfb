//! Creating an organization with its first super admin: from the one-time setup link a fresh
//! installation prints, or from the CLI (`keyward init`, `keyward org create`). Both happen
//! before anyone can sign in, so this works on the store alone.

use std::net::IpAddr;

use keyward_core::{Member, Organization, TokenHash, input};
use keyward_store::{Actor, ActorKind, AuditRecord, DynStore, MemberCredentials};
use time::OffsetDateTime;

use crate::error::ServiceResult;
use crate::password;

/// An organization and its first super admin, as typed.
pub struct NewOrganization {
    pub name: String,
    pub owner_email: String,
    /// Defaults to the email.
    pub owner_name: Option<String>,
    pub owner_password: String,
}

/// Who asks for the organization.
pub enum Via<'a> {
    /// The setup link's secret, checked and consumed in the same transaction.
    SetupLink { secret: &'a str, ip: IpAddr },
    /// A local command of the `keyward` binary.
    Cli,
}

/// Validates, hashes the password (argon2id), and writes the organization, its owner and the
/// audit event in one transaction.
pub async fn create(
    store: &DynStore,
    now: OffsetDateTime,
    req: NewOrganization,
    via: Via<'_>,
) -> ServiceResult<(Organization, Member)> {
    let org = Organization::new(input::label("org", &req.name, 200)?, now);
    let email = input::email("email", &req.owner_email)?;
    let name = input::label("name", req.owner_name.as_deref().unwrap_or(&email), 200)?;
    let member = Member::super_admin(org.id, email, name, now);
    input::password("password", &req.owner_password)?;
    let password_hash = password::hash(req.owner_password).await?;
    let (actor, setup, via_name) = match &via {
        Via::SetupLink { secret, .. } => (
            Actor::new(ActorKind::Anonymous, Some(member.id), member.email.clone()),
            Some((TokenHash::of(secret), now)),
            Some("setup_link"),
        ),
        Via::Cli => (Actor::system("keyward cli"), None, None),
    };
    let mut details = serde_json::json!({"name": org.name, "owner": member.email});
    if let Some(v) = via_name {
        details["via"] = v.into();
    }
    let mut audit = AuditRecord::new(
        Some(org.id),
        now,
        actor,
        "organization.create",
        ("organization", Some(org.id)),
        details,
    );
    if let Via::SetupLink { ip, .. } = via {
        audit = audit.from_ip(ip);
    }
    store
        .create_organization(
            &org,
            &MemberCredentials {
                member: member.clone(),
                password_hash,
            },
            setup,
            &audit,
        )
        .await?;
    Ok((org, member))
}

/// Whether any organization exists yet: a fresh installation's setup link is dead after the
/// first.
pub async fn any_exist(s: &crate::Service) -> ServiceResult<bool> {
    Ok(s.store.organization_count().await? > 0)
}

/// Whether a setup link's secret still works (it is the current one and has not expired), so
/// its page can say so before anyone fills in the form.
pub async fn setup_link_live(s: &crate::Service, secret: &str) -> ServiceResult<bool> {
    Ok(s.store.setup_token_live(TokenHash::of(secret), s.now()).await?)
}

/// The first organization, from the setup link a fresh installation printed.
pub async fn create_from_setup_link(
    s: &crate::Service,
    req: NewOrganization,
    secret: &str,
    ip: IpAddr,
) -> ServiceResult<(Organization, Member)> {
    create(&s.store, s.now(), req, Via::SetupLink { secret, ip }).await
}
