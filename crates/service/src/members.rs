//! Members: the people of an organization. Only super admin members manage them. A member's
//! group is taken by the API users linked to it, so changes drop the organization's cached
//! answers.

use keyward_core::{Member, input};
use keyward_store::{MemberCredentials, Page};
use uuid::Uuid;

use crate::context::MemberAdmin;
use crate::error::{ServiceResult, missing};
use crate::password;
pub use keyward_api::members::{CreateMember, UpdateMember};

pub async fn list(a: &MemberAdmin<'_>, page: Page) -> ServiceResult<Vec<Member>> {
    Ok(a.service().store.list_members(a.org_id(), page).await?)
}

pub async fn get(a: &MemberAdmin<'_>, id: Uuid) -> ServiceResult<Member> {
    let found = a.service().store.get_member(a.org_id(), id).await;
    found.map_err(missing("member"))
}

pub async fn create(a: &MemberAdmin<'_>, req: CreateMember) -> ServiceResult<Member> {
    let s = a.service();
    let now = s.now();
    let email = input::email("email", &req.email)?;
    let name = input::label("name", &req.name, 200)?;
    input::password("password", &req.password)?;
    let member = Member {
        id: Uuid::now_v7(),
        org_id: a.org_id(),
        email,
        name,
        role: req.role,
        permission_group_id: req.permission_group_id,
        created_at: now,
    };
    let password_hash = password::hash(req.password).await?;
    let audit = a.record(
        now,
        "member.create",
        "member",
        Some(member.id),
        serde_json::json!({"email": member.email, "role": member.role}),
    );
    s.store
        .create_member(
            &MemberCredentials {
                member: member.clone(),
                password_hash,
            },
            &audit,
        )
        .await?;
    Ok(member)
}

/// Changes a member's name, email, role, password or group.
pub async fn update(a: &MemberAdmin<'_>, id: Uuid, req: UpdateMember) -> ServiceResult<Member> {
    let s = a.service();
    let now = s.now();
    let mut m = get(a, id).await?;
    let before = m.clone();
    if let Some(name) = &req.name {
        m.name = input::label("name", name, 200)?;
    }
    if let Some(email) = &req.email {
        m.email = input::email("email", email)?;
    }
    if let Some(role) = req.role {
        m.role = role;
    }
    if let Some(g) = req.permission_group_id {
        m.permission_group_id = g;
    }
    let password_hash = match req.password {
        Some(p) => {
            input::password("password", &p)?;
            Some(password::hash(p).await?)
        }
        None => None,
    };
    let changed: Vec<&str> = [
        ("email", before.email != m.email),
        ("name", before.name != m.name),
        ("role", before.role != m.role),
        (
            "permission_group_id",
            before.permission_group_id != m.permission_group_id,
        ),
        ("password", password_hash.is_some()),
    ]
    .iter()
    .filter(|(_, changed)| *changed)
    .map(|(name, _)| *name)
    .collect();
    let audit = a.record(
        now,
        "member.update",
        "member",
        Some(id),
        serde_json::json!({
            "changed": changed,
            "email": m.email, "name": m.name, "role": m.role,
            "permission_group_id": m.permission_group_id, "password_changed": password_hash.is_some(),
        }),
    );
    s.store
        .update_member(&m, password_hash.as_deref(), &audit)
        .await?;
    // API users linked to this member take its group.
    s.verifier.invalidate_org(m.org_id).await;
    Ok(m)
}

/// Removes a member; the last super admin cannot be removed.
pub async fn delete(a: &MemberAdmin<'_>, id: Uuid) -> ServiceResult<()> {
    let s = a.service();
    let audit = a.record_removal("member.delete", "member", id);
    s.store
        .delete_member(a.org_id(), id, &audit)
        .await
        .map_err(missing("member"))?;
    s.verifier.invalidate_org(a.org_id()).await;
    Ok(())
}

/// Lifts a member's sign-in lockout, on every node at once.
pub async fn unlock(a: &MemberAdmin<'_>, id: Uuid) -> ServiceResult<()> {
    let s = a.service();
    let m = get(a, id).await?;
    s.login_throttle.unlock(&m.email).await?;
    let audit = a.record(
        s.now(),
        "member.unlock",
        "member",
        Some(m.id),
        serde_json::json!({"email": m.email}),
    );
    s.store.append_audit(&audit).await?;
    Ok(())
}
