//! Permission groups and integrations. Both are on every verification's path, so each change
//! drops the organization's cached answers.

use keyward_core::{Integration, IntegrationStatus, PermissionGroup, input};
use keyward_store::Page;
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::error::{ServiceResult, missing};
use crate::patch::{parse_ips, parse_permissions};
pub use keyward_api::catalog::{CreateGroup, CreateIntegration, UpdateGroup, UpdateIntegration};

pub async fn list_groups(r: &Read<'_>, page: Page) -> ServiceResult<Vec<PermissionGroup>> {
    Ok(r.service().store.list_groups(r.org_id(), page).await?)
}

pub async fn get_group(r: &Read<'_>, id: Uuid) -> ServiceResult<PermissionGroup> {
    let found = r.service().store.get_group(r.org_id(), id).await;
    found.map_err(missing("permission group"))
}

pub async fn create_group(m: &Manage<'_>, req: CreateGroup) -> ServiceResult<PermissionGroup> {
    let s = m.service();
    let now = s.now();
    let g = PermissionGroup {
        id: Uuid::now_v7(),
        org_id: m.org_id(),
        name: input::label("name", &req.name, 100)?,
        description: input::text("description", &req.description, 1000)?,
        permissions: parse_permissions("permissions", &req.permissions)?,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    let audit = m.record(
        now,
        "permission_group.create",
        "permission_group",
        Some(g.id),
        group_details(&g),
    );
    s.store.create_group(&g, &audit).await?;
    Ok(g)
}

/// Takes effect on verify at once.
pub async fn update_group(m: &Manage<'_>, id: Uuid, req: UpdateGroup) -> ServiceResult<PermissionGroup> {
    let req = &req;
    crate::patch::on_a_fresh_read(|| update_group_once(m, id, req)).await
}

async fn update_group_once(m: &Manage<'_>, id: Uuid, req: &UpdateGroup) -> ServiceResult<PermissionGroup> {
    let s = m.service();
    let now = s.now();
    let mut g = get_group(&m.read(), id).await?;
    if let Some(n) = &req.name {
        g.name = input::label("name", n, 100)?;
    }
    if let Some(d) = &req.description {
        g.description = input::text("description", d, 1000)?;
    }
    if let Some(p) = &req.permissions {
        g.permissions = parse_permissions("permissions", p)?;
    }
    g.updated_at = now;
    let audit = m.record(
        now,
        "permission_group.update",
        "permission_group",
        Some(id),
        group_details(&g),
    );
    s.store
        .update_group(&g, &audit)
        .await
        .map_err(missing("permission group"))?;
    s.verifier.invalidate_org(g.org_id).await;
    Ok(g)
}

/// Only a group nobody uses can go.
pub async fn delete_group(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    let s = m.service();
    let audit = m.record_removal("permission_group.delete", "permission_group", id);
    s.store
        .delete_group(m.org_id(), id, &audit)
        .await
        .map_err(missing("permission group"))?;
    s.verifier.invalidate_org(m.org_id()).await;
    Ok(())
}

pub async fn list_integrations(r: &Read<'_>, page: Page) -> ServiceResult<Vec<Integration>> {
    Ok(r.service().store.list_integrations(r.org_id(), page).await?)
}

pub async fn get_integration(r: &Read<'_>, id: Uuid) -> ServiceResult<Integration> {
    let found = r.service().store.get_integration(r.org_id(), id).await;
    found.map_err(missing("integration"))
}

pub async fn create_integration(m: &Manage<'_>, req: CreateIntegration) -> ServiceResult<Integration> {
    let s = m.service();
    let now = s.now();
    let i = Integration {
        id: Uuid::now_v7(),
        org_id: m.org_id(),
        name: input::label("name", &req.name, 100)?,
        kind: input::text("type", &req.kind, 50)?,
        status: req.status.unwrap_or(IntegrationStatus::Active),
        allowed_ips: parse_ips("allowed_ips", &req.allowed_ips)?,
        public_url: req
            .public_url
            .as_deref()
            .map(|u| input::public_url("public_url", u))
            .transpose()?,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    let audit = m.record(
        now,
        "integration.create",
        "integration",
        Some(i.id),
        integration_details(&i),
    );
    s.store.create_integration(&i, &audit).await?;
    Ok(i)
}

/// Status and IP changes take effect on verify at once.
pub async fn update_integration(
    m: &Manage<'_>,
    id: Uuid,
    req: UpdateIntegration,
) -> ServiceResult<Integration> {
    let req = &req;
    crate::patch::on_a_fresh_read(|| update_integration_once(m, id, req)).await
}

async fn update_integration_once(
    m: &Manage<'_>,
    id: Uuid,
    req: &UpdateIntegration,
) -> ServiceResult<Integration> {
    let s = m.service();
    let now = s.now();
    let mut i = get_integration(&m.read(), id).await?;
    if let Some(n) = &req.name {
        i.name = input::label("name", n, 100)?;
    }
    if let Some(k) = &req.kind {
        i.kind = input::text("type", k, 50)?;
    }
    if let Some(st) = req.status {
        i.status = st;
    }
    if let Some(ips) = &req.allowed_ips {
        i.allowed_ips = parse_ips("allowed_ips", ips)?;
    }
    if let Some(u) = &req.public_url {
        i.public_url = u
            .as_deref()
            .map(|u| input::public_url("public_url", u))
            .transpose()?;
    }
    i.updated_at = now;
    let audit = m.record(
        now,
        "integration.update",
        "integration",
        Some(id),
        integration_details(&i),
    );
    s.store
        .update_integration(&i, &audit)
        .await
        .map_err(missing("integration"))?;
    s.verifier.invalidate_org(i.org_id).await;
    Ok(i)
}

/// Only an integration no API user or live token uses can go.
pub async fn delete_integration(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    let s = m.service();
    let audit = m.record_removal("integration.delete", "integration", id);
    s.store
        .delete_integration(m.org_id(), id, &audit)
        .await
        .map_err(missing("integration"))?;
    s.verifier.invalidate_org(m.org_id()).await;
    Ok(())
}

/// What the audit trail keeps of a group after a change.
fn group_details(g: &PermissionGroup) -> serde_json::Value {
    serde_json::json!({"name": g.name, "permissions": g.permissions})
}

/// What the audit trail keeps of an integration after a change.
fn integration_details(i: &Integration) -> serde_json::Value {
    serde_json::json!({"name": i.name, "status": i.status, "allowed_ips": i.allowed_ips.to_strings()})
}
