//! Permission groups and integrations.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait CatalogStore: Send + Sync {
    // Permission groups.
    async fn create_group(&self, group: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()>;

    async fn get_group(&self, org_id: Uuid, id: Uuid) -> StoreResult<PermissionGroup>;

    async fn list_groups(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<PermissionGroup>>;

    async fn update_group(&self, group: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()>;

    async fn delete_group(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;

    // Integrations.
    async fn create_integration(&self, integration: &Integration, audit: &AuditRecord) -> StoreResult<()>;

    async fn get_integration(&self, org_id: Uuid, id: Uuid) -> StoreResult<Integration>;

    async fn list_integrations(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Integration>>;

    async fn update_integration(&self, integration: &Integration, audit: &AuditRecord) -> StoreResult<()>;

    async fn delete_integration(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;
}
