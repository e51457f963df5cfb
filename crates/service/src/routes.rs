//! The route catalog ("API URLs"): the platform's own routes, each with the permissions and
//! integration a request through the gateway needs. Every change drops the organization's
//! compiled table on every node, so the next gateway request is decided by the new catalog.

use keyward_core::route::RouteTemplate;
use keyward_core::{PermissionSet, Route, input};
use keyward_store::{MAX_ROUTES, Page, StoreError};
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::entries;
use crate::error::{ServiceError, ServiceResult};
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

/// A route of the same method and shape as another (`/a/{id}` and `/a/{key}`) is a conflict.
pub async fn create(m: &Manage<'_>, req: CreateRoute) -> ServiceResult<Route> {
    let s = m.service();
    let now = s.now();
    let (method, path) = (method(&req.method)?, path(&req.path)?);
    let route = Route {
        integration_id: integration(&m.read(), req.integration_id).await?,
        description: input::text("description", &req.description, 1000)?,
        ..Route::new(m.org_id(), method, path, permissions(&req.permissions)?, now)
    };
    if s.store.count_routes(m.org_id()).await? >= MAX_ROUTES {
        return Err(ServiceError::invalid(
            "path",
            format!("an organization has at most {MAX_ROUTES} routes"),
        ));
    }
    let details = details(&route);
    entries::create(m, now, route, details).await
}

/// A new integration is looked up once, before the route is read.
pub async fn update(m: &Manage<'_>, id: Uuid, req: UpdateRoute) -> ServiceResult<Route> {
    let integration_id = match req.integration_id {
        Some(x) => Some(integration(&m.read(), x).await?),
        None => None,
    };
    entries::change(m, id, |route: &mut Route| {
        if let Some(x) = &req.method {
            route.method = method(x)?;
        }
        if let Some(x) = &req.path {
            route.path = path(x)?;
        }
        if let Some(x) = &req.permissions {
            route.permissions = permissions(x)?;
        }
        if let Some(x) = integration_id {
            route.integration_id = x;
        }
        if let Some(x) = &req.description {
            route.description = input::text("description", x, 1000)?;
        }
        Ok(details(route))
    })
    .await
}

/// The deletion's audit event keeps what the route was.
pub async fn delete(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    let route: Route = entries::get(&m.read(), id).await?;
    entries::delete::<Route>(m, id, details(&route)).await
}
