//! The SQL of oAuth signing keys and revoked access tokens.

macro_rules! sql_oauth {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::OAuthStore for $Store {
            async fn signing_keys(&self, now: OffsetDateTime) -> StoreResult<Vec<SigningKeyRecord>> {
                let rows = sqlx::query(
                    "SELECT kid, algorithm, public_key, private_key, created_at, retired_at, publish_until FROM signing_keys \
                     WHERE publish_until IS NULL OR publish_until > $1 ORDER BY created_at DESC",
                )
                .bind(to_millis(now))
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(SigningKeyRecord {
                        kid: r.try_get("kid")?,
                        algorithm: r.try_get("algorithm")?,
                        public_key: r.try_get("public_key")?,
                        private_key_encrypted: r.try_get("private_key")?,
                        created_at: ts(r, "created_at")?,
                        retired_at: opt_ts(r, "retired_at")?,
                        publish_until: opt_ts(r, "publish_until")?,
                    });
                }
                Ok(out)
            }

            async fn add_signing_key(
                &self,
                k: &SigningKeyRecord,
                old_publish_until: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    sqlx::query("UPDATE signing_keys SET retired_at = $1, publish_until = $2 WHERE retired_at IS NULL")
                        .bind(to_millis(k.created_at))
                        .bind(to_millis(old_publish_until))
                        .execute(&mut *c)
                        .await?;
                    sqlx::query(
                        "INSERT INTO signing_keys (kid, algorithm, public_key, private_key, created_at) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(&k.kid)
                    .bind(&k.algorithm)
                    .bind(&k.public_key)
                    .bind(&k.private_key_encrypted)
                    .bind(to_millis(k.created_at))
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
                .await
            }

            async fn revoke_access_token(
                &self,
                jti: &str,
                org_id: Uuid,
                expires_at: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let revoke = sqlx::query(
                    "INSERT INTO revoked_access_tokens (jti, org_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
                )
                .bind(jti)
                .bind(org_id.to_string())
                .bind(to_millis(expires_at));
                // Revoked before: nothing to write, nothing to audit.
                self.audited_if_one(audit, revoke).await?;
                Ok(())
            }

            async fn access_token_revoked(&self, jti: &str) -> StoreResult<bool> {
                Ok(sqlx::query("SELECT 1 FROM revoked_access_tokens WHERE jti = $1")
                    .bind(jti)
                    .fetch_optional(&self.read)
                    .await?
                    .is_some())
            }
        }
    };
}
