//! The route catalog ("API URLs"): the platform's own routes, each with the permissions and
//! integration a request through the gateway needs. Every change drops the organization's
//! compiled table on every node, so the next gateway request is decided by the new catalog.

use keyward_core::route::RouteTemplate;
use keyward_core::{PermissionSet, Route, input};
use keyward_store::{MAX_ROUTES, Page, StoreError};
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult, missing};
pub use keyward_api::routes::{CreateRoute, UpdateRoute};

/// Permissions one route may require.
const MAX_ROUTE_PERMISSIONS: usize = 50;

fn method(s: &str) -> ServiceResult<String> {
    let s = s.trim();
    if s == "*" {
        return Ok(s.to_owned());
    }
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(ServiceError::invalid(
            "method",
            "an HTTP method such as GET or POST, or * for any",
        ));
    }
    Ok(s.to_ascii_uppercase())
}

fn path(s: &str) -> ServiceResult<String> {
    RouteTemplate::parse(s.trim())
        .map(|t| t.render())
        .map_err(|m| ServiceError::invalid("path", m))
}

fn permissions(items: &[String]) -> ServiceResult<Vec<String>> {
    if items.len() > MAX_ROUTE_PERMISSIONS {
        return Err(ServiceError::invalid(
            "permissions",
            format!("at most {MAX_ROUTE_PERMISSIONS} permissions per route"),
        ));
    }
    if items.iter().any(|p| p.contains('*')) {
        return Err(ServiceError::invalid(
            "permissions",
            "a route requires exact permissions such as contacts:read, not patterns",
        ));
    }
    let set = PermissionSet::parse(items).map_err(|m| ServiceError::invalid("permissions", m))?;
    Ok(set.iter().map(str::to_owned).collect())
}

async fn integration(r: &Read<'_>, id: Option<Uuid>) -> ServiceResult<Option<Uuid>> {
    let Some(id) = id else { return Ok(None) };
    match r.service().store.get_integration(r.org_id(), id).await {
        Ok(_) => Ok(Some(id)),
        Err(StoreError::NotFound) => Err(ServiceError::invalid(
            "integration_id",
            "no integration of this organization has this id",
        )),
        Err(e) => Err(e.into()),
    }
}

fn details(r: &Route) -> serde_json::Value {
    serde_json::json!({
        "method": r.method,
        "path": r.path,
        "permissions": r.permissions,
        "integration_id": r.integration_id,
    })
}

pub async fn list(r: &Read<'_>, page: Page) -> ServiceResult<Vec<Route>> {
    Ok(r.service().store.list_routes(r.org_id(), page).await?)
}

pub async fn get(r: &Read<'_>, id: Uuid) -> ServiceResult<Route> {
    let found = r.service().store.get_route(r.org_id(), id).await;
    found.map_err(missing("route"))
}

/// A route of the same method and shape as another (`/a/{id}` and `/a/{key}`) is a conflict.
pub async fn create(m: &Manage<'_>, req: CreateRoute) -> ServiceResult<Route> {
    let s = m.service();
    let now = s.now();
    let route = Route {
        id: Uuid::now_v7(),
        org_id: m.org_id(),
        method: method(&req.method)?,
        path: path(&req.path)?,
        permissions: permissions(&req.permissions)?,
        integration_id: integration(&m.read(), req.integration_id).await?,
        description: input::text("description", &req.description, 1000)?,
        created_at: now,
        updated_at: now,
        version: 0,
    };
    if s.store.count_routes(m.org_id()).await? >= MAX_ROUTES {
        return Err(ServiceError::invalid(
            "path",
            format!("an organization has at most {MAX_ROUTES} routes"),
        ));
    }
    let audit = m.record(now, "route.create", "route", Some(route.id), details(&route));
    s.store.create_route(&route, &audit).await?;
    s.verifier.invalidate_routes(route.org_id).await;
    Ok(route)
}

pub async fn update(m: &Manage<'_>, id: Uuid, req: UpdateRoute) -> ServiceResult<Route> {
    let req = &req;
    crate::patch::on_a_fresh_read(|| update_once(m, id, req)).await
}

async fn update_once(m: &Manage<'_>, id: Uuid, req: &UpdateRoute) -> ServiceResult<Route> {
    let s = m.service();
    let now = s.now();
    let mut route = get(&m.read(), id).await?;
    if let Some(x) = &req.method {
        route.method = method(x)?;
    }
    if let Some(x) = &req.path {
        route.path = path(x)?;
    }
    if let Some(x) = &req.permissions {
        route.permissions = permissions(x)?;
    }
    if let Some(x) = req.integration_id {
        route.integration_id = integration(&m.read(), x).await?;
    }
    if let Some(x) = &req.description {
        route.description = input::text("description", x, 1000)?;
    }
    route.updated_at = now;
    let audit = m.record(now, "route.update", "route", Some(id), details(&route));
    s.store
        .update_route(&route, &audit)
        .await
        .map_err(missing("route"))?;
    s.verifier.invalidate_routes(route.org_id).await;
    Ok(route)
}

pub async fn delete(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    let s = m.service();
    let route = get(&m.read(), id).await?;
    let audit = m.record(s.now(), "route.delete", "route", Some(id), details(&route));
    s.store
        .delete_route(m.org_id(), id, &audit)
        .await
        .map_err(missing("route"))?;
    s.verifier.invalidate_routes(m.org_id()).await;
    Ok(())
}
