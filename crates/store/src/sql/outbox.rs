//! The SQL of the transactional outbox of emails and webhooks.

macro_rules! sql_outbox {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::OutboxStore for $Store {
            async fn claim_outbox(
                &self,
                now: OffsetDateTime,
                lease_until: OffsetDateTime,
                limit: u32,
                include_email: bool,
            ) -> StoreResult<Vec<OutboxItem>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(sql(format!(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                      AND COALESCE(locked_until, 0) <= $2 AND ($4 OR channel <> 'email') \
                      ORDER BY next_attempt_at LIMIT $3{skip}) \
                     RETURNING {OUTBOX_COLS}",
                    skip = $skip_locked
                )))
                .bind(to_millis(lease_until))
                .bind(to_millis(now))
                .bind(limit as i64)
                .bind(include_email)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut items = rows.iter().map(outbox_from).collect::<anyhow::Result<Vec<_>>>()?;
                items.sort_by_key(|i| i.next_attempt_at);
                Ok(items)
            }

            async fn outbox_delivered(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                let delivered = sqlx::query(
                    "UPDATE outbox SET status = 'delivered', delivered_at = $1, locked_until = NULL, last_error = NULL \
                     WHERE id = $2",
                );
                self.write_alone(delivered.bind(to_millis(now)).bind(id.to_string())).await?;
                Ok(())
            }

            async fn outbox_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>) -> StoreResult<()> {
                let retry = retry_at.map(to_millis).unwrap_or(-1);
                let failed = sqlx::query(
                    "UPDATE outbox SET status = CASE WHEN $1 < 0 THEN 'dead' ELSE 'pending' END, \
                     next_attempt_at = CASE WHEN $1 < 0 THEN next_attempt_at ELSE $1 END, \
                     locked_until = NULL, last_error = $2 WHERE id = $3 AND status = 'pending'",
                );
                self.write_alone(failed.bind(retry).bind(error).bind(id.to_string())).await?;
                Ok(())
            }

            async fn list_outbox(
                &self,
                org_id: Uuid,
                status: Option<OutboxStatus>,
                page: Page,
            ) -> StoreResult<Vec<OutboxItem>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {OUTBOX_COLS} FROM outbox WHERE org_id = $1 AND id > $2 AND ($3 = '' OR status = $3) \
                     ORDER BY id LIMIT $4"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(status.map(|s| s.as_str()).unwrap_or(""))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(outbox_from).collect::<anyhow::Result<_>>()?)
            }

            async fn get_outbox(&self, org_id: Uuid, id: Uuid) -> StoreResult<OutboxItem> {
                let r = self.one_in_org(sql(format!("SELECT {OUTBOX_COLS} FROM outbox WHERE id = $1 AND org_id = $2")), org_id, id).await?;
                Ok(outbox_from(&r)?)
            }

            async fn resend_outbox(&self, org_id: Uuid, id: Uuid, now: OffsetDateTime, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query(
                        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = NULL \
                         WHERE id = $2 AND org_id = $3",
                    )
                    .bind(to_millis(now))
                    .bind(id.to_string())
                    .bind(org_id.to_string());
 self.audited_update(audit, update).await
            }
        }
    };
}
