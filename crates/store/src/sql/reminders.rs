//! The SQL of expiry reminders, each stage once across nodes.

macro_rules! sql_reminders {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::ReminderStore for $Store {
            async fn due_reminders(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<DueReminder>> {
                let now_ms = to_millis(now);
                const DAY: i64 = 86_400_000;
                // The latest stage due (see ReminderStage::due), in SQL, so only credentials that
                // need a message are read.
                let due = format!(
                    "CAST(CASE WHEN expires_at <= {now_ms} THEN 4 WHEN expires_at - {DAY} <= {now_ms} THEN 3 \
                     WHEN expires_at - {w} <= {now_ms} THEN 2 WHEN expires_at - {m} <= {now_ms} THEN 1 ELSE 0 END AS BIGINT)",
                    w = 7 * DAY,
                    m = 30 * DAY
                );
                let horizon = now_ms + 30 * DAY;
                let tokens = sqlx::query(sql(format!(
                    "SELECT id, org_id, name, hint, expires_at, api_user_id, stage, username, user_name, contact_email FROM \
                     (SELECT t.id, t.org_id, t.name, t.hint, t.expires_at, t.api_user_id, t.reminder_stage, \
                      {stage} AS stage, u.username, u.name AS user_name, u.contact_email \
                      FROM tokens t JOIN api_users u ON u.id = t.api_user_id \
                      WHERE t.expires_at IS NOT NULL AND t.expires_at <= {horizon} AND t.status <> 'revoked' \
                      AND t.replaced_by IS NULL AND u.deleted_at IS NULL) d \
                     WHERE reminder_stage < stage ORDER BY expires_at LIMIT {limit}",
                    stage = due.replace("expires_at", "t.expires_at"),
                )))
                .fetch_all(&self.read)
                .await?;
                let users = sqlx::query(sql(format!(
                    "SELECT id, org_id, expires_at, stage, username, name, contact_email FROM \
                     (SELECT id, org_id, expires_at, reminder_stage, {due} AS stage, username, name, contact_email \
                      FROM api_users WHERE expires_at IS NOT NULL AND expires_at <= {horizon} AND deleted_at IS NULL) d \
                     WHERE reminder_stage < stage ORDER BY expires_at LIMIT {limit}"
                )))
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(tokens.len() + users.len());
                for r in &tokens {
                    out.push(DueReminder {
                        subject: ReminderSubject::Token,
                        id: uuid(r, "id")?,
                        org_id: uuid(r, "org_id")?,
                        stage: ReminderStage::from_i64(r.try_get("stage")?),
                        expires_at: ts(r, "expires_at")?,
                        api_user_id: uuid(r, "api_user_id")?,
                        api_user_name: r.try_get("user_name")?,
                        username: r.try_get("username")?,
                        contact_email: r.try_get("contact_email")?,
                        token: Some((r.try_get("name")?, r.try_get("hint")?)),
                    });
                }
                for r in &users {
                    let id = uuid(r, "id")?;
                    out.push(DueReminder {
                        subject: ReminderSubject::ApiUser,
                        id,
                        org_id: uuid(r, "org_id")?,
                        stage: ReminderStage::from_i64(r.try_get("stage")?),
                        expires_at: ts(r, "expires_at")?,
                        api_user_id: id,
                        api_user_name: r.try_get("name")?,
                        username: r.try_get("username")?,
                        contact_email: r.try_get("contact_email")?,
                        token: None,
                    });
                }
                out.sort_by_key(|d| d.expires_at);
                out.truncate(limit as usize);
                Ok(out)
            }

            async fn advance_reminder(&self, due: &DueReminder, audit: &AuditRecord) -> StoreResult<bool> {
                // The compare-and-set that makes each stage go out once, whatever the number of nodes.
                let q = match due.subject {
                    ReminderSubject::Token => {
                        "UPDATE tokens SET reminder_stage = $1 WHERE id = $2 AND reminder_stage < $1 AND expires_at = $3 \
                         AND status <> 'revoked' AND replaced_by IS NULL"
                    }
                    ReminderSubject::ApiUser => {
                        "UPDATE api_users SET reminder_stage = $1 WHERE id = $2 AND reminder_stage < $1 AND expires_at = $3 \
                         AND deleted_at IS NULL"
                    }
                };
                let claim = sqlx::query(q)
                    .bind(due.stage.as_i64())
                    .bind(due.id.to_string())
                    .bind(to_millis(due.expires_at));
                self.audited_if_one(audit, claim).await
            }
        }
    };
}
