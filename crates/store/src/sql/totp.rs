//! The SQL of second factors of members and API users.

macro_rules! sql_totp {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::TotpStore for $Store {
            async fn totp(&self, owner: TotpOwner, id: Uuid) -> StoreResult<TotpRecord> {
                let r = sqlx::query(sql(format!(
                    "SELECT totp_state, totp_secret, totp_last_step, recovery_codes FROM {} WHERE id = $1 AND {}",
                    owner.table(),
                    owner.live()
                )))
                .bind(id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(TotpRecord {
                    state: r.try_get("totp_state")?,
                    secret_encrypted: r.try_get("totp_secret")?,
                    last_step: r.try_get("totp_last_step")?,
                    recovery_hashes: json(&r, "recovery_codes")?,
                })
            }

            async fn set_totp(
                &self,
                owner: TotpOwner,
                org_id: Uuid,
                id: Uuid,
                t: &TotpRecord,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    let fallback = match owner {
                        TotpOwner::ApiUser => {
                            ", auth_method = CASE WHEN $1 <> 'active' AND auth_method = 'password_totp' THEN 'password' ELSE auth_method END"
                        }
                        TotpOwner::Member => "",
                    };
                    let done = sqlx::query(sql(format!(
                        "UPDATE {} SET totp_state = $1, totp_secret = $2, totp_last_step = $3, recovery_codes = $4{fallback} \
                         WHERE id = $5 AND org_id = $6 AND {}",
                        owner.table(),
                        owner.live()
                    )))
                    .bind(&t.state)
                    .bind(t.secret_encrypted.as_deref())
                    .bind(t.last_step)
                    .bind(serde_json::Value::from(t.recovery_hashes.clone()).to_string())
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .execute(&mut *c)
                    .await?;
                    touched(done.rows_affected())?;
                    Ok(())
                })
                .await
            }

            async fn use_totp_step(&self, owner: TotpOwner, id: Uuid, step: i64) -> StoreResult<bool> {
                let used = sqlx::query(sql(format!(
                    "UPDATE {} SET totp_last_step = $1 WHERE id = $2 AND COALESCE(totp_last_step, -1) < $1",
                    owner.table()
                )));
                Ok(self.write_alone(used.bind(step).bind(id.to_string())).await? == 1)
            }

            async fn use_recovery_code(&self, owner: TotpOwner, id: Uuid, hash: &str) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let current: Option<String> = sqlx::query_scalar(sql(format!(
                    "SELECT recovery_codes FROM {} WHERE id = $1",
                    owner.table()
                )))
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(current) = current else {
                    return Ok(false);
                };
                let mut codes: Vec<String> = serde_json::from_str(&current).unwrap_or_default();
                let before = codes.len();
                codes.retain(|c| c != hash);
                if codes.len() == before {
                    return Ok(false);
                }
                // Compare-and-set: a concurrent use of the same code loses.
                let done = sqlx::query(sql(format!(
                    "UPDATE {} SET recovery_codes = $1 WHERE id = $2 AND recovery_codes = $3",
                    owner.table()
                )))
                .bind(serde_json::Value::from(codes).to_string())
                .bind(id.to_string())
                .bind(&current)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
