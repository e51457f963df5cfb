//! The SQL of webhook endpoints.

macro_rules! sql_webhooks {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::WebhookStore for $Store {
            async fn create_webhook(&self, w: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()> {
                let insert = sqlx::query(
                        "INSERT INTO webhook_endpoints (id, org_id, url, description, events, secret, enabled, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                    )
                    .bind(w.id.to_string())
                    .bind(w.org_id.to_string())
                    .bind(&w.url)
                    .bind(&w.description)
                    .bind(serde_json::Value::from(w.events.clone()).to_string())
                    .bind(&w.secret)
                    .bind(w.enabled)
                    .bind(to_millis(w.created_at));
                self.audited_insert(audit, insert, None).await
            }

            async fn get_webhook(&self, org_id: Uuid, id: Uuid) -> StoreResult<WebhookEndpoint> {
                let r = self.one_in_org(sql(format!("SELECT {WEBHOOK_COLS} FROM webhook_endpoints WHERE id = $1 AND org_id = $2")), org_id, id).await?;
                Ok(webhook_from(&r)?)
            }

            async fn list_webhooks(&self, org_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {WEBHOOK_COLS} FROM webhook_endpoints WHERE org_id = $1 ORDER BY id LIMIT 1000"
                )))
                .bind(org_id.to_string())
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(webhook_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_webhook(&self, w: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query(
                        "UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, enabled = $4, updated_at = $5 \
                         WHERE id = $6 AND org_id = $7",
                    )
                    .bind(&w.url)
                    .bind(&w.description)
                    .bind(serde_json::Value::from(w.events.clone()).to_string())
                    .bind(w.enabled)
                    .bind(to_millis(audit.at))
                    .bind(w.id.to_string())
                    .bind(w.org_id.to_string());
 self.audited_update(audit, update).await
            }

            async fn delete_webhook(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2")
                        .bind(id.to_string())
                        .bind(org_id.to_string());
 self.audited_update(audit, update).await
            }
        }
    };
}
