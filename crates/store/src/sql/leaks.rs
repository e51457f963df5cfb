//! The SQL of leaked tokens.

macro_rules! sql_leaks {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        fn leak_from(r: &$Row) -> anyhow::Result<TokenLeak> {
            from_row!(r => TokenLeak {
                token_id: uuid, org_id: uuid, reported_at: ts, source_url: col, reporter: col,
                action: enum_col[LeakedTokenAction::parse],
            })
        }

        #[async_trait]
        impl crate::LeakStore for $Store {
            async fn record_leak(
                &self,
                leak: &TokenLeak,
                audit: &AuditRecord,
            ) -> StoreResult<Option<TokenHash>> {
                self.audited_if(audit, async |c| {
                    let (id, org) = (leak.token_id.to_string(), leak.org_id.to_string());
                    let r = sqlx::query("SELECT hash FROM tokens WHERE id = $1 AND org_id = $2")
                        .bind(&id)
                        .bind(&org)
                        .fetch_optional(&mut *c)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                    let hash = hash_from(&r)?;
                    let recorded = sqlx::query(
                        "INSERT INTO leaked_tokens (token_id, org_id, reported_at, source_url, reporter, action) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_id) DO NOTHING",
                    )
                    .bind(&id)
                    .bind(&org)
                    .bind(to_millis(leak.reported_at))
                    .bind(&leak.source_url)
                    .bind(&leak.reporter)
                    .bind(leak.action.as_str())
                    .execute(&mut *c)
                    .await?;
                    if recorded.rows_affected() == 0 {
                        return Ok(None);
                    }
                    // Revoking ends a token for good; suspending touches only an active one.
                    let change = match leak.action {
                        LeakedTokenAction::Revoke => Some(
                            "UPDATE tokens SET status = 'revoked', revoked_at = $1, version = version + 1 \
                             WHERE id = $2 AND status <> 'revoked'",
                        ),
                        LeakedTokenAction::Suspend => Some(
                            "UPDATE tokens SET status = 'suspended', version = version + 1 \
                             WHERE id = $2 AND status = 'active' AND $1 = $1",
                        ),
                        LeakedTokenAction::Notify => None,
                    };
                    if let Some(change) = change {
                        sqlx::query(change)
                            .bind(to_millis(leak.reported_at))
                            .bind(&id)
                            .execute(&mut *c)
                            .await?;
                    }
                    Ok(Some(hash))
                })
                .await
            }

            async fn token_leaks(&self, org_id: Uuid, token_ids: &[Uuid]) -> StoreResult<Vec<TokenLeak>> {
                let mut out = Vec::new();
                for id in token_ids {
                    let r = sqlx::query("SELECT * FROM leaked_tokens WHERE token_id = $1 AND org_id = $2")
                        .bind(id.to_string())
                        .bind(org_id.to_string())
                        .fetch_optional(&self.read)
                        .await?;
                    if let Some(r) = r {
                        out.push(leak_from(&r)?);
                    }
                }
                Ok(out)
            }
        }
    };
}
