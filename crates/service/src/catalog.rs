//! Permission groups and integrations. Both are on every verification's path, so each change
//! drops the organization's cached answers.

use keyward_core::{Integration, IntegrationStatus, PermissionGroup, input};
use keyward_store::Page;
use serde_json::json;
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::entries;
use crate::error::ServiceResult;
use crate::patch::{parse_ips, parse_permissions};
pub use keyward_api::catalog::{CreateGroup, CreateIntegration, UpdateGroup, UpdateIntegration};

pub async fn list_groups(r: &Read<'_>, page: Page) -> ServiceResult<Vec<PermissionGroup>> {
    Ok(r.service().store.list_groups(r.org_id(), page).await?)
}

pub async fn create_group(m: &Manage<'_>, req: CreateGroup) -> ServiceResult<PermissionGroup> {
    let now = m.service().now();
    let name = input::label("name", &req.name, 100)?;
    let permissions = parse_permissions("permissions", &req.permissions)?;
    let g = PermissionGroup {
        description: input::text("description", &req.description, 1000)?,
        ..PermissionGroup::new(m.org_id(), name, permissions, now)
    };
    let details = group_details(&g);
    entries::create(m, now, g, details).await
}

/// Takes effect on verify at once.
pub async fn update_group(m: &Manage<'_>, id: Uuid, req: UpdateGroup) -> ServiceResult<PermissionGroup> {
    entries::change(m, id, |g: &mut PermissionGroup| {
        if let Some(n) = &req.name {
            g.name = input::label("name", n, 100)?;
        }
        if let Some(d) = &req.description {
            g.description = input::text("description", d, 1000)?;
        }
        if let Some(p) = &req.permissions {
            g.permissions = parse_permissions("permissions", p)?;
        }
        Ok(group_details(g))
    })
    .await
}

/// Only a group nobody uses can go.
pub async fn delete_group(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    entries::delete::<PermissionGroup>(m, id, json!({})).await
}

pub async fn list_integrations(r: &Read<'_>, page: Page) -> ServiceResult<Vec<Integration>> {
    Ok(r.service().store.list_integrations(r.org_id(), page).await?)
}

pub async fn create_integration(m: &Manage<'_>, req: CreateIntegration) -> ServiceResult<Integration> {
    let now = m.service().now();
    let (name, kind) = (
        input::label("name", &req.name, 100)?,
        input::text("type", &req.kind, 50)?,
    );
    let public_url = req.public_url.as_deref();
    let i = Integration {
        status: req.status.unwrap_or(IntegrationStatus::Active),
        allowed_ips: parse_ips("allowed_ips", &req.allowed_ips)?,
        public_url: public_url
            .map(|u| input::public_url("public_url", u))
            .transpose()?,
        ..Integration::new(m.org_id(), name, kind, now)
    };
    let details = integration_details(&i);
    entries::create(m, now, i, details).await
}

/// Status and IP changes take effect on verify at once.
pub async fn update_integration(
    m: &Manage<'_>,
    id: Uuid,
    req: UpdateIntegration,
) -> ServiceResult<Integration> {
    entries::change(m, id, |i: &mut Integration| {
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
        Ok(integration_details(i))
    })
    .await
}

/// Only an integration no API user or live token uses can go.
pub async fn delete_integration(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    entries::delete::<Integration>(m, id, json!({})).await
}

/// What the audit trail keeps of a group after a change.
fn group_details(g: &PermissionGroup) -> serde_json::Value {
    json!({"name": g.name, "permissions": g.permissions})
}

/// What the audit trail keeps of an integration after a change.
fn integration_details(i: &Integration) -> serde_json::Value {
    json!({"name": i.name, "status": i.status, "allowed_ips": i.allowed_ips.to_strings()})
}
