//! The SQL of organizations, their first-run setup link, settings and installation secrets.

macro_rules! sql_organizations {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::OrganizationStore for $Store {
            async fn organization_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn put_setup_token(&self, hash: TokenHash, expires_at: OffsetDateTime) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
                sqlx::query("INSERT INTO setup_tokens (hash, expires_at) VALUES ($1, $2)")
                    .bind(&hash.as_bytes()[..])
                    .bind(to_millis(expires_at))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn setup_token_live(&self, hash: TokenHash, now: OffsetDateTime) -> StoreResult<bool> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM setup_tokens WHERE hash = $1 AND expires_at > $2")
                    .bind(&hash.as_bytes()[..])
                    .bind(to_millis(now))
                    .fetch_one(&self.read)
                    .await?;
                Ok(n > 0)
            }

            async fn create_organization(
                &self,
                org: &Organization,
                owner: &MemberCredentials,
                setup: Option<(TokenHash, OffsetDateTime)>,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    if let Some((hash, now)) = setup {
                        let used = sqlx::query("DELETE FROM setup_tokens WHERE hash = $1 AND expires_at > $2")
                            .bind(&hash.as_bytes()[..])
                            .bind(to_millis(now))
                            .execute(&mut *c)
                            .await?;
                        if used.rows_affected() != 1 {
                            return Err(StoreError::SetupLinkInvalid);
                        }
                        // The link creates the first organization only.
                        let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
                            .fetch_one(&mut *c)
                            .await?;
                        if orgs > 0 {
                            return Err(StoreError::SetupLinkInvalid);
                        }
                    }
                    sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                        .bind(org.id.to_string())
                        .bind(&org.name)
                        .bind(to_millis(org.created_at))
                        .execute(&mut *c)
                        .await?;
                    insert_member(&mut *c, owner).await?;
                    Ok(())
                })
                .await
            }

            async fn get_organization(&self, id: Uuid) -> StoreResult<Organization> {
                let r = sqlx::query("SELECT id, name, created_at FROM organizations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(org_from(&r)?)
            }

            async fn get_settings(&self, org_id: Uuid) -> StoreResult<OrgSettings> {
                let raw: String = sqlx::query_scalar("SELECT settings FROM organizations WHERE id = $1")
                    .bind(org_id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(serde_json::from_str(&raw).context("bad JSON in organizations.settings")?)
            }

            async fn update_settings(&self, org_id: Uuid, settings: &OrgSettings, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query("UPDATE organizations SET settings = $1 WHERE id = $2")
                        .bind(serde_json::to_string(settings).context("cannot encode settings")?)
                        .bind(org_id.to_string());
 self.audited_update(audit, update).await
            }

            async fn installation_secret(&self, name: &str, generated: &[u8], now: OffsetDateTime) -> StoreResult<Vec<u8>> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO installation_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(generated)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                let v: Vec<u8> = sqlx::query_scalar("SELECT value FROM installation_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(v)
            }

            async fn list_organization_ids(&self) -> StoreResult<Vec<Uuid>> {
                let rows = sqlx::query("SELECT id FROM organizations ORDER BY id")
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().map(|r| uuid(r, "id")).collect::<anyhow::Result<_>>()?)
            }
        }
    };
}
