//! The SQL of permission groups and integrations.

macro_rules! sql_catalog {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        /// The columns a group's INSERT and UPDATE both write, as `$1` to `$3`.
        fn group_columns<'q>(q: Query<'q>, g: &'q PermissionGroup) -> Query<'q> {
            q.bind(&g.name).bind(&g.description).bind(perms_json(&g.permissions))
        }

        /// The columns an integration's INSERT and UPDATE both write, as `$1` to `$5`.
        fn integration_columns<'q>(q: Query<'q>, i: &'q Integration) -> Query<'q> {
            q.bind(&i.name)
                .bind(&i.kind)
                .bind(i.status.as_str())
                .bind(ips_json(&i.allowed_ips))
                .bind(i.public_url.as_deref())
        }

        /// What deleting a group or an integration checks: `users` (binding `$1` to the id and
        /// `$2` to the organization) finds anything still using it, which refuses the delete
        /// as `in_use`; `detach` (binding `$1`) first clears what may still point at it but
        /// no longer counts (deleted API users, revoked tokens).
        struct Unused {
            table: &'static str,
            users: &'static str,
            in_use: Conflict,
            detach: &'static str,
        }

        async fn delete_unused(c: &mut $Conn, u: Unused, id: Uuid, org_id: Uuid) -> StoreResult<()> {
            // Existence in this organization first: another organization's id is only ever NotFound.
            require_in_org(&mut *c, u.table, id, org_id).await?;
            let (id_s, org_s) = (id.to_string(), org_id.to_string());
            let used = sqlx::query(u.users).bind(&id_s).bind(&org_s).fetch_optional(&mut *c).await?;
            if used.is_some() {
                return Err(StoreError::Conflict(u.in_use));
            }
            sqlx::query(u.detach).bind(&id_s).execute(&mut *c).await?;
            let done = sqlx::query(sql(format!("DELETE FROM {} WHERE id = $1 AND org_id = $2", u.table)))
                .bind(&id_s)
                .bind(&org_s)
                .execute(&mut *c)
                .await?;
            touched(done.rows_affected())
        }

        #[async_trait]
        impl crate::CatalogStore for $Store {
            async fn create_group(&self, g: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()> {
                let insert = sqlx::query(
                    "INSERT INTO permission_groups (name, description, permissions, id, org_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                );
                let insert = group_columns(insert, g)
                    .bind(g.id.to_string())
                    .bind(g.org_id.to_string())
                    .bind(to_millis(g.created_at))
                    .bind(to_millis(g.updated_at));
                self.audited_insert(audit, insert, Some(Conflict::GroupNameTaken)).await
            }

            async fn get_group(&self, org_id: Uuid, id: Uuid) -> StoreResult<PermissionGroup> {
                let r = self.one_in_org("SELECT * FROM permission_groups WHERE id = $1 AND org_id = $2", org_id, id).await?;
                Ok(group_from(&r)?)
            }

            async fn list_groups(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<PermissionGroup>> {
                let rows = self.page_in_org("SELECT * FROM permission_groups WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3", org_id, page).await?;
                Ok(rows.iter().map(group_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_group(&self, g: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query(
                    "UPDATE permission_groups SET name = $1, description = $2, permissions = $3, updated_at = $4, \
                     version = version + 1 WHERE id = $5 AND org_id = $6 AND version = $7",
                );
                let update = group_columns(update, g)
                    .bind(to_millis(g.updated_at))
                    .bind(g.id.to_string())
                    .bind(g.org_id.to_string())
                    .bind(g.version);
                self.versioned_update(audit, ("permission_groups", g.id, g.org_id), update, Conflict::GroupNameTaken).await
            }

            async fn delete_group(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let unused = Unused {
                    table: "permission_groups",
                    users: "SELECT 1 FROM api_users WHERE permission_group_id = $1 AND org_id = $2 AND deleted_at IS NULL \
                            UNION ALL SELECT 1 FROM members WHERE permission_group_id = $1 AND org_id = $2 LIMIT 1",
                    in_use: Conflict::GroupInUse,
                    detach: "UPDATE api_users SET permission_group_id = NULL WHERE permission_group_id = $1",
                };
                self.audited(audit, async |c| delete_unused(c, unused, id, org_id).await).await
            }

            async fn create_integration(&self, i: &Integration, audit: &AuditRecord) -> StoreResult<()> {
                let insert = sqlx::query(
                    "INSERT INTO integrations (name, kind, status, allowed_ips, public_url, id, org_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                );
                let insert = integration_columns(insert, i)
                    .bind(i.id.to_string())
                    .bind(i.org_id.to_string())
                    .bind(to_millis(i.created_at))
                    .bind(to_millis(i.updated_at));
                self.audited_insert(audit, insert, Some(Conflict::IntegrationNameTaken)).await
            }

            async fn get_integration(&self, org_id: Uuid, id: Uuid) -> StoreResult<Integration> {
                let r = self.one_in_org("SELECT * FROM integrations WHERE id = $1 AND org_id = $2", org_id, id).await?;
                Ok(integration_from(&r)?)
            }

            async fn list_integrations(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Integration>> {
                let rows = self.page_in_org("SELECT * FROM integrations WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3", org_id, page).await?;
                Ok(rows.iter().map(integration_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_integration(&self, i: &Integration, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query(
                    "UPDATE integrations SET name = $1, kind = $2, status = $3, allowed_ips = $4, public_url = $5, \
                     updated_at = $6, version = version + 1 WHERE id = $7 AND org_id = $8 AND version = $9",
                );
                let update = integration_columns(update, i)
                    .bind(to_millis(i.updated_at))
                    .bind(i.id.to_string())
                    .bind(i.org_id.to_string())
                    .bind(i.version);
                self.versioned_update(audit, ("integrations", i.id, i.org_id), update, Conflict::IntegrationNameTaken).await
            }

            async fn delete_integration(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let unused = Unused {
                    table: "integrations",
                    users: "SELECT 1 FROM api_users WHERE org_id = $2 AND deleted_at IS NULL AND integration_ids LIKE '%' || $1 || '%' \
                            UNION ALL SELECT 1 FROM tokens WHERE integration_id = $1 AND status <> 'revoked' \
                            UNION ALL SELECT 1 FROM routes WHERE integration_id = $1 AND org_id = $2 LIMIT 1",
                    in_use: Conflict::IntegrationInUse,
                    detach: "UPDATE tokens SET integration_id = NULL WHERE integration_id = $1",
                };
                self.audited(audit, async |c| delete_unused(c, unused, id, org_id).await).await
            }
        }
    };
}
