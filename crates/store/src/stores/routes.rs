//! The platform's route catalog ("API URLs").

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait RouteStore: Send + Sync {
    /// `Conflict::RouteTaken` when the organization has a route of this method and shape.
    async fn create_route(&self, route: &Route, audit: &AuditRecord) -> StoreResult<()>;

    async fn get_route(&self, org_id: Uuid, id: Uuid) -> StoreResult<Route>;

    async fn list_routes(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Route>>;

    /// Every route of an organization, for compiling its matcher (at most [`MAX_ROUTES`]).
    async fn all_routes(&self, org_id: Uuid) -> StoreResult<Vec<Route>>;

    async fn count_routes(&self, org_id: Uuid) -> StoreResult<u64>;

    async fn update_route(&self, route: &Route, audit: &AuditRecord) -> StoreResult<()>;

    async fn delete_route(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;
}

/// Routes an organization may have: more than any API has, few enough to compile at once.
pub const MAX_ROUTES: u64 = 10_000;
