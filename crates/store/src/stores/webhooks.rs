//! Webhook endpoints.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait WebhookStore: Send + Sync {
    // Webhook endpoints.
    async fn create_webhook(&self, endpoint: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()>;

    async fn get_webhook(&self, org_id: Uuid, id: Uuid) -> StoreResult<WebhookEndpoint>;

    async fn list_webhooks(&self, org_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>>;

    async fn update_webhook(&self, endpoint: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()>;

    async fn delete_webhook(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()>;
}
