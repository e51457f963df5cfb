//! The SQL of API user profiles, and their credentials for logging in.

macro_rules! sql_api_users {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        /// Checks that the group, member and integrations an API user names are its organization's.
        async fn check_api_user_refs(c: &mut $Conn, u: &ApiUser) -> StoreResult<()> {
            check_refs(c, u.org_id, u.permission_group_id, u.linked_member_id, &u.integration_ids).await
        }

        /// Binds the profile a create and an edit both write, next and in this order: username,
        /// name, description, environment, permission_group_id, linked_member_id,
        /// integration_ids, allowed_ips, expires_at, contact_email, external_id, metadata.
        fn bind_profile<'q>(q: Query<'q>, u: &'q ApiUser) -> Query<'q> {
            q.bind(&u.username)
                .bind(&u.name)
                .bind(&u.description)
                .bind(u.environment.as_str())
                .bind(u.permission_group_id.map(|x| x.to_string()))
                .bind(u.linked_member_id.map(|x| x.to_string()))
                .bind(uuids_json(&u.integration_ids))
                .bind(ips_json(&u.allowed_ips))
                .bind(u.expires_at.map(to_millis))
                .bind(u.contact_email.as_deref())
                .bind(u.external_id.as_deref())
                .bind(serde_json::Value::Object(u.metadata.clone()).to_string())
        }

        /// An UPDATE of one column of a live API user, whose new value is bound next (`$4`).
        fn live_api_user_update<'q>(column: &'static str, org_id: Uuid, id: Uuid, now: OffsetDateTime) -> Query<'q> {
            sqlx::query(sql(format!(
                "UPDATE api_users SET {column} = $4, updated_at = $1 WHERE id = $2 AND org_id = $3 AND deleted_at IS NULL"
            )))
            .bind(to_millis(now))
            .bind(id.to_string())
            .bind(org_id.to_string())
        }

        #[async_trait]
        impl crate::ApiUserStore for $Store {
            async fn create_api_user(
                &self,
                u: &ApiUser,
                password_hash: Option<&str>,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    check_api_user_refs(&mut *c, u).await?;
                    let insert = sqlx::query(
                        "INSERT INTO api_users (id, org_id, status, username, name, description, environment, permission_group_id, \
                         linked_member_id, integration_ids, allowed_ips, expires_at, contact_email, external_id, metadata, \
                         password_hash, created_at, updated_at, reminder_stage, auth_method, ratelimits, credits_id) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)",
                    )
                    .bind(u.id.to_string())
                    .bind(u.org_id.to_string())
                    .bind(u.status.as_str());
                    let insert = bind_profile(insert, u)
                        .bind(password_hash)
                        .bind(to_millis(u.created_at))
                        .bind(to_millis(u.updated_at))
                        .bind(stage_at(u.expires_at, u.created_at))
                        .bind(u.auth_method.as_str());
                    insert_owner(c, insert, &u.ratelimits, u.credits.as_ref(), Conflict::UsernameTaken).await
                })
                .await
            }

            async fn get_api_user(&self, org_id: Uuid, id: Uuid) -> StoreResult<ApiUser> {
                let r = self.one_in_org(sql(format!("SELECT {API_USER_COLS} FROM api_users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL")), org_id, id).await?;
                Ok(api_users_with_credits(&self.read, std::slice::from_ref(&r)).await?.remove(0))
            }

            async fn find_api_user(&self, org_id: Uuid, username: &str) -> StoreResult<ApiUser> {
                let r = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS} FROM api_users WHERE username = $1 AND org_id = $2 AND deleted_at IS NULL"
                )))
                .bind(username)
                .bind(org_id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(api_users_with_credits(&self.read, std::slice::from_ref(&r)).await?.remove(0))
            }

            async fn list_api_users(&self, org_id: Uuid, f: &ApiUserFilter, page: Page) -> StoreResult<Vec<ApiUser>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS} FROM api_users WHERE org_id = $1 AND deleted_at IS NULL AND id > $2 \
                     AND ($3 = '' OR lower(username) LIKE $3 ESCAPE '\\' OR lower(name) LIKE $3 ESCAPE '\\' \
                          OR lower(COALESCE(external_id, '')) LIKE $3 ESCAPE '\\') \
                     AND ($4 = '' OR status = $4) AND ($5 = '' OR environment = $5) \
                     ORDER BY id LIMIT $6"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(
                    f.search
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .map(like_pattern)
                        .unwrap_or_default(),
                )
                .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
                .bind(f.environment.map(|e| e.as_str()).unwrap_or(""))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                api_users_with_credits(&self.read, &rows).await
            }

            async fn token_counts(&self, org_id: Uuid, api_user_ids: &[Uuid]) -> StoreResult<Vec<(Uuid, i64)>> {
                let mut out = Vec::with_capacity(api_user_ids.len());
                for id in api_user_ids {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM tokens WHERE api_user_id = $1 AND org_id = $2 AND status <> 'revoked'",
                    )
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_one(&self.read)
                    .await?;
                    out.push((*id, n));
                }
                Ok(out)
            }

            async fn update_api_user(&self, u: &ApiUser, audit: &AuditRecord) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    check_api_user_refs(&mut *c, u).await?;
                    let update = sqlx::query(
                        // Not the status: suspend and resume write it alone, so a PATCH read
                        // before a suspend cannot undo it.
                        "UPDATE api_users SET username = $1, name = $2, description = $3, environment = $4, \
                         permission_group_id = $5, linked_member_id = $6, integration_ids = $7, allowed_ips = $8, expires_at = $9, \
                         contact_email = $10, external_id = $11, metadata = $12, updated_at = $13, \
                         reminder_stage = CASE WHEN COALESCE(expires_at, -1) = COALESCE($9, -1) THEN reminder_stage ELSE $16 END, \
                         auth_method = $17, ratelimits = $19, version = version + 1 \
                         WHERE id = $14 AND org_id = $15 AND deleted_at IS NULL AND version = $18",
                    );
                    let done = bind_profile(update, u)
                    .bind(to_millis(u.updated_at))
                    .bind(u.id.to_string())
                    .bind(u.org_id.to_string())
                    .bind(stage_at(u.expires_at, u.updated_at))
                    .bind(u.auth_method.as_str())
                    .bind(u.version)
                    .bind(limits_json(&u.ratelimits))
                    .execute(&mut *c)
                    .await
                    .map_err(|e| unique_or(e, Conflict::UsernameTaken))?;
                    if done.rows_affected() == 0 {
                        // A deleted API user is not found, as everywhere else.
                        return Err(match stale_or_missing(&mut *c, "api_users", u.id, u.org_id).await {
                            StoreError::Conflict(Conflict::Stale) if api_user_is_deleted(&mut *c, u.id).await? => {
                                StoreError::NotFound
                            }
                            e => e,
                        });
                    }
                    Ok(())
                })
                .await
            }

            async fn set_api_user_status(
                &self,
                org_id: Uuid,
                id: Uuid,
                status: ApiUserStatus,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let update = live_api_user_update("status", org_id, id, now).bind(status.as_str());
                self.audited_update(audit, update).await
            }

            async fn set_api_user_password(
                &self,
                org_id: Uuid,
                id: Uuid,
                password_hash: Option<&str>,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let update = live_api_user_update("password_hash", org_id, id, now).bind(password_hash);
                self.audited_update(audit, update).await
            }

            async fn delete_api_user(
                &self,
                org_id: Uuid,
                id: Uuid,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<Vec<TokenHash>> {
                self.audited(audit, async |c| {
                    let done = sqlx::query(
                        "UPDATE api_users SET deleted_at = $1, updated_at = $1, password_hash = NULL \
                         WHERE id = $2 AND org_id = $3 AND deleted_at IS NULL",
                    )
                    .bind(to_millis(now))
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .execute(&mut *c)
                    .await?;
                    touched(done.rows_affected())?;
                    let hashes = revoke_where(&mut *c, org_id, Some(id), now).await?;
                    Ok(hashes)
                })
                .await
            }

            async fn api_user_credentials(&self, id: Uuid) -> StoreResult<Option<(ApiUser, Option<String>)>> {
                let r = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS}, password_hash FROM api_users WHERE id = $1 AND deleted_at IS NULL"
                )))
                .bind(id.to_string())
                .fetch_optional(&self.read)
                .await?;
                match r {
                    Some(r) => Ok(Some((api_user_from(&r)?, r.try_get("password_hash")?))),
                    None => Ok(None),
                }
            }
        }
    };
}
