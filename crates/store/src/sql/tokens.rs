//! The SQL of tokens, and what the verify path reads of them.

macro_rules! sql_tokens {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::TokenStore for $Store {
            async fn create_token(&self, nt: &NewToken, audit: &AuditRecord) -> StoreResult<()> {
                let t = &nt.token;
                self.audited(audit, async |c| {
                    require_live_api_user(&mut *c, t.org_id, t.api_user_id).await?;
                    if let Some(i) = t.integration_id {
                        check_refs(&mut *c, t.org_id, None, None, &[i])
                            .await
                            .map_err(|e| match e {
                                StoreError::Invalid { message, .. } => StoreError::Invalid {
                                    field: "integration_id",
                                    message,
                                },
                                e => e,
                            })?;
                    }
                    insert_token(&mut *c, nt).await?;
                    Ok(())
                })
                .await
            }

            async fn get_token(&self, org_id: Uuid, id: Uuid) -> StoreResult<Token> {
                let r = self.one_in_org(sql(format!("SELECT {TOKEN_COLS} FROM tokens WHERE id = $1 AND org_id = $2")), org_id, id).await?;
                Ok(tokens_with_credits(&self.read, std::slice::from_ref(&r)).await?.remove(0))
            }

            async fn list_tokens(&self, org_id: Uuid, f: &TokenFilter, page: Page) -> StoreResult<Vec<Token>> {
                let (exp_from, exp_to) = f
                    .expiring
                    .map(|(a, b)| (to_millis(a), to_millis(b)))
                    .unwrap_or((-1, -1));
                let rows = sqlx::query(sql(format!(
                    "SELECT {TOKEN_COLS} FROM tokens WHERE org_id = $1 AND id > $2 \
                     AND ($3 = '' OR api_user_id = $3) AND ($4 = '' OR status = $4) \
                     AND ($5 < 0 OR (expires_at IS NOT NULL AND expires_at > $5 AND expires_at <= $6)) \
                     AND ($7 < 0 OR COALESCE(last_used_at, created_at) < $7) \
                     AND ($8 < 0 OR (imported_at IS NOT NULL AND imported_at < $8)) \
                     ORDER BY id LIMIT $9"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(f.api_user_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
                .bind(exp_from)
                .bind(exp_to)
                .bind(f.unused_since.map(to_millis).unwrap_or(-1))
                .bind(f.imported_before.map(to_millis).unwrap_or(-1))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                tokens_with_credits(&self.read, &rows).await
            }

            async fn update_token(&self, t: &Token, audit: &AuditRecord) -> StoreResult<TokenHash> {
                self.audited(audit, async |c| {
                    let r = sqlx::query(
                        // Not the status (suspend and resume write it alone, so a PATCH read
                        // before a suspend cannot undo it), and never a rotated token's end (a
                        // PATCH read before the rotation would move it later, or remove it).
                        "UPDATE tokens SET name = $1, permissions = $2, allowed_ips = $3, \
                         expires_at = CASE WHEN replaced_by IS NULL THEN $4 ELSE expires_at END, \
                         reminder_stage = CASE WHEN COALESCE(expires_at, -1) = COALESCE($4, -1) THEN reminder_stage \
                                          WHEN replaced_by IS NOT NULL THEN 4 ELSE $7 END, \
                         metadata = $9, ratelimits = $10, version = version + 1 \
                         WHERE id = $5 AND org_id = $6 AND status <> 'revoked' AND version = $8 RETURNING hash",
                    )
                    .bind(&t.name)
                    .bind(t.permissions.as_ref().map(perms_json))
                    .bind(ips_json(&t.allowed_ips))
                    .bind(t.expires_at.map(to_millis))
                    .bind(t.id.to_string())
                    .bind(t.org_id.to_string())
                    .bind(stage_at(t.expires_at, audit.at))
                    .bind(t.version)
                    .bind(serde_json::Value::Object(t.metadata.clone()).to_string())
                    .bind(limits_json(&t.ratelimits))
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(|e| unique_or(e, Conflict::TokenNameTaken))?;
                    let Some(r) = r else {
                        // Gone, revoked, or changed since it was read (stale: read again).
                        return Err(token_not_updated(&mut *c, t.org_id, t.id).await?);
                    };
                    let hash = hash_from(&r)?;
                    Ok(hash)
                })
                .await
            }

            async fn set_token_status(
                &self,
                org_id: Uuid,
                id: Uuid,
                status: TokenStatus,
                audit: &AuditRecord,
            ) -> StoreResult<TokenHash> {
                self.audited(audit, async |c| {
                    let r = sqlx::query(
                        "UPDATE tokens SET status = $1 WHERE id = $2 AND org_id = $3 AND status <> 'revoked' RETURNING hash",
                    )
                    .bind(status.as_str())
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_optional(&mut *c)
                    .await?;
                    let Some(r) = r else {
                        return Err(revoked_or_missing(&mut *c, org_id, id).await?);
                    };
                    Ok(hash_from(&r)?)
                })
                .await
            }

            async fn revoke_token(
                &self,
                org_id: Uuid,
                id: Uuid,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<TokenHash> {
                let mut tx = self.begin_write().await?;
                let r = row_in_org(&mut *tx, "SELECT hash, status FROM tokens WHERE id = $1 AND org_id = $2", org_id, id).await?;
                let hash = hash_from(&r)?;
                let status: String = r.try_get("status")?;
                if status != TokenStatus::Revoked.as_str() {
                    sqlx::query("UPDATE tokens SET status = 'revoked', revoked_at = $1 WHERE id = $2")
                        .bind(to_millis(now))
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                    append_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(hash)
            }

            async fn revoke_all_tokens(
                &self,
                org_id: Uuid,
                api_user_id: Option<Uuid>,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<Vec<TokenHash>> {
                let mut tx = self.begin_write().await?;
                if let Some(u) = api_user_id {
                    require_live_api_user(&mut tx, org_id, u).await?;
                }
                let hashes = revoke_where(&mut tx, org_id, api_user_id, now).await?;
                let mut audit = audit.clone();
                if let serde_json::Value::Object(m) = &mut audit.details {
                    m.insert("revoked".into(), hashes.len().into());
                }
                append_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(hashes)
            }

            async fn token_hash_prefixes(&self) -> StoreResult<Vec<u64>> {
                use futures_util::TryStreamExt;
                let mut out = Vec::new();
                let mut rows = sqlx::query("SELECT hash FROM tokens").fetch(&self.read);
                while let Some(r) = rows.try_next().await? {
                    out.push(hash_from(&r)?.short());
                }
                Ok(out)
            }

            async fn import_tokens(&self, tokens: &[NewToken], audits: &[AuditRecord]) -> StoreResult<()> {
                use crate::bulk::{BulkInsert, Cell};
                const COLUMNS: &[&str] = &[
                    "id", "org_id", "api_user_id", "name", "hint", "hash", "permissions", "integration_id",
                    "allowed_ips", "expires_at", "status", "created_at", "created_by", "last_used_at", "imported_from",
                    "imported_at", "metadata",
                ];
                let rows: Vec<Vec<Cell>> = tokens
                    .iter()
                    .map(|nt| {
                        let t = &nt.token;
                        vec![
                            t.id.to_string().into(),
                            t.org_id.to_string().into(),
                            t.api_user_id.to_string().into(),
                            t.name.clone().into(),
                            t.hint.clone().into(),
                            nt.hash.as_bytes().to_vec().into(),
                            t.permissions.as_ref().map(perms_json).into(),
                            t.integration_id.map(|x| x.to_string()).into(),
                            ips_json(&t.allowed_ips).into(),
                            t.expires_at.map(to_millis).into(),
                            t.status.as_str().into(),
                            to_millis(t.created_at).into(),
                            t.created_by.clone().into(),
                            t.last_used_at.map(to_millis).into(),
                            t.imported_from.clone().into(),
                            t.imported_at.map(to_millis).into(),
                            serde_json::Value::Object(t.metadata.clone()).to_string().into(),
                        ]
                    })
                    .collect();
                // The rows' references, checked here because SQLite enforces no foreign keys
                // in a bulk transaction (see BulkWriter).
                let mut parents: Vec<(Uuid, Uuid)> = tokens.iter().map(|t| (t.token.org_id, t.token.api_user_id)).collect();
                parents.sort_unstable();
                parents.dedup();
                let mut integrations: Vec<(Uuid, Uuid)> = tokens
                    .iter()
                    .filter_map(|t| Some((t.token.org_id, t.token.integration_id?)))
                    .collect();
                integrations.sort_unstable();
                integrations.dedup();
                if audits.iter().any(|a| !a.outbox.is_empty()) {
                    return Err(StoreError::Internal(anyhow::anyhow!("a bulk write's audit events send no messages")));
                }
                // Statements bound and audit events rendered before the writer is taken.
                let rows = <$Conn as BulkInsert>::prepare("tokens", COLUMNS, rows);
                let audits = crate::audit::prepare_audits(audits);
                let mut writer = self.bulk_writer().await?;
                let written: StoreResult<()> = async {
                    let mut tx = writer.begin().await?;
                    // The API user's row refers to its organization, so this covers both.
                    for (org_id, api_user_id) in parents {
                        require_live_api_user(&mut tx, org_id, api_user_id).await?;
                    }
                    for (org_id, integration) in integrations {
                        check_refs(&mut tx, org_id, None, None, &[integration]).await?;
                    }
                    tx.insert_prepared(rows)
                        .await
                        .map_err(|e| unique_or(e, Conflict::TokenNameTaken))?;
                    append_audits(&mut tx, audits).await?;
                    tx.commit().await?;
                    Ok(())
                }
                .await;
                writer.finish().await;
                written?;
                Ok(())
            }

            async fn live_token_names(&self, api_user_id: Uuid, names: &[String]) -> StoreResult<Vec<String>> {
                // The names arrive as one JSON list joined to the unique index on (API user, name)
                // with that index's own predicate, so each is one index probe. As `name IN (…)`,
                // PostgreSQL's generic plan probed the API user alone and filtered every one of
                // its tokens: an import slowed from 6 564 to 1 280 tokens/s between 20 000 and
                // 50 000 tokens.
                // Each engine gets the shape its planner turns into index probes: SQLite an
                // `IN (subquery)` (joined, it scanned the API user's tokens), PostgreSQL a join.
                let sql = match $engine {
                    Engine::Sqlite => {
                        "SELECT name FROM tokens WHERE api_user_id = $1 AND status <> 'revoked' \
                         AND replaced_by IS NULL AND name IN (SELECT value FROM json_each($2))"
                    }
                    Engine::Postgres => {
                        "SELECT t.name FROM jsonb_array_elements_text($2::jsonb) AS n(value) \
                         JOIN tokens t ON t.api_user_id = $1 AND t.name = n.value \
                         WHERE t.status <> 'revoked' AND t.replaced_by IS NULL"
                    }
                };
                Ok(sqlx::query_scalar::<_, String>(sql)
                    .bind(api_user_id.to_string())
                    .bind(serde_json::to_string(names).map_err(|e| StoreError::Internal(e.into()))?)
                    .fetch_all(&self.read)
                    .await?)
            }

            async fn existing_token_hashes(&self, hashes: &[TokenHash]) -> StoreResult<Vec<TokenHash>> {
                // One JSON list of hex hashes joined to the hash index, as for names above: as
                // `hash IN (…)` in statements of 500, a 10 000-token batch spent 2.5 s here on
                // PostgreSQL with 10 000 tokens stored and 5.6 s with 20 000.
                let sql = match $engine {
                    // SQLite's index holds the first 8 bytes (unique too): every stored hash
                    // that shares them comes back, so that the caller can refuse a new one.
                    Engine::Sqlite => {
                        "SELECT hash FROM tokens \
                         WHERE substr(hash, 1, 8) IN (SELECT substr(unhex(value), 1, 8) FROM json_each($1))"
                    }
                    Engine::Postgres => {
                        "SELECT t.hash FROM jsonb_array_elements_text($1::jsonb) AS n(value) \
                         JOIN tokens t ON t.hash = decode(n.value, 'hex')"
                    }
                };
                let hex: Vec<String> = hashes.iter().map(|h| h.to_hex()).collect();
                let rows = sqlx::query_scalar::<_, Vec<u8>>(sql)
                    .bind(serde_json::to_string(&hex).map_err(|e| StoreError::Internal(e.into()))?)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().filter_map(|b| TokenHash::from_slice(b)).collect())
            }

            async fn verify_subject(&self, hash: TokenHash) -> StoreResult<Option<VerifySubject>> {
                // One read transaction: a consistent snapshot of the token's whole path.
                let mut tx = self.read.begin().await?;
                let Some(r) = sqlx::query(
                    "SELECT t.id AS token_id, t.org_id, t.status AS token_status, t.expires_at AS token_expires_at, \
                     t.permissions AS token_permissions, t.allowed_ips AS token_ips, t.integration_id, \
                     u.id AS api_user_id, u.username, u.environment, u.status AS user_status, u.deleted_at, \
                     u.expires_at AS user_expires_at, u.allowed_ips AS user_ips, u.integration_ids, u.external_id, \
                     u.metadata, t.metadata AS token_metadata, u.permission_group_id, u.linked_member_id, \
                     t.imported_from IS NOT NULL AS imported, o.settings AS org_settings, \
                     t.ratelimits AS token_ratelimits, u.ratelimits AS user_ratelimits, \
                     t.credits_id AS token_credits, u.credits_id AS user_credits \
                     FROM tokens t JOIN api_users u ON u.id = t.api_user_id \
                     JOIN organizations o ON o.id = t.org_id \
                     WHERE substr(t.hash, 1, 8) = substr($1, 1, 8) AND t.hash = $1",
                )
                .bind(&hash.as_bytes()[..])
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Ok(None);
                };
                let mut acting_member = None;
                let mut group_id = opt_uuid(&r, "permission_group_id")?;
                if let Some(mid) = opt_uuid(&r, "linked_member_id")? {
                    if let Some(m) =
                        sqlx::query("SELECT id, email, name, permission_group_id FROM members WHERE id = $1")
                            .bind(mid.to_string())
                            .fetch_optional(&mut *tx)
                            .await?
                    {
                        group_id = opt_uuid(&m, "permission_group_id")?;
                        acting_member = Some(ActingMember {
                            id: uuid(&m, "id")?,
                            email: m.try_get("email")?,
                            name: m.try_get("name")?,
                        });
                    } else {
                        group_id = None;
                    }
                }
                let group_permissions = match group_id {
                    Some(g) => match sqlx::query("SELECT permissions FROM permission_groups WHERE id = $1")
                        .bind(g.to_string())
                        .fetch_optional(&mut *tx)
                        .await?
                    {
                        Some(gr) => perms(&gr, "permissions")?,
                        None => PermissionSet::default(),
                    },
                    None => PermissionSet::default(),
                };
                async fn integration_ref(c: &mut $Conn, id: Uuid) -> StoreResult<Option<IntegrationRef>> {
                    let r = sqlx::query("SELECT id, name, status, allowed_ips FROM integrations WHERE id = $1")
                        .bind(id.to_string())
                        .fetch_optional(&mut *c)
                        .await?;
                    Ok(match r {
                        Some(r) => Some(IntegrationRef {
                            id: uuid(&r, "id")?,
                            name: r.try_get("name")?,
                            active: enum_col(&r, "status", IntegrationStatus::parse)? == IntegrationStatus::Active,
                            allowed_ips: ips(&r, "allowed_ips")?,
                        }),
                        None => None,
                    })
                }
                let token_integration = match opt_uuid(&r, "integration_id")? {
                    Some(i) => integration_ref(&mut tx, i).await?,
                    None => None,
                };
                let ids: Vec<String> = json(&r, "integration_ids")?;
                let mut api_user_integrations = Vec::with_capacity(ids.len());
                for id in ids {
                    let id = Uuid::parse_str(&id).map_err(anyhow::Error::from)?;
                    if let Some(i) = integration_ref(&mut tx, id).await? {
                        api_user_integrations.push(i);
                    }
                }
                let token_permissions: Option<String> = r.try_get("token_permissions")?;
                let token_permissions = match token_permissions {
                    Some(s) => {
                        let list: Vec<String> = serde_json::from_str(&s).map_err(anyhow::Error::from)?;
                        Some(PermissionSet::parse(&list).map_err(anyhow::Error::msg)?)
                    }
                    None => None,
                };
                let deleted: Option<i64> = r.try_get("deleted_at")?;
                let mut token_status = enum_col(&r, "token_status", TokenStatus::parse)?;
                if deleted.is_some() {
                    token_status = TokenStatus::Revoked;
                }
                tx.commit().await?;
                let imported: bool = r.try_get("imported")?;
                let raw: String = r.try_get("org_settings")?;
                let settings =
                    serde_json::from_str::<keyward_core::OrgSettings>(&raw).map_err(anyhow::Error::from)?;
                // Settings refuse only imported tokens.
                let format_refused = imported && settings.refuse_foreign_tokens;
                let token_id = uuid(&r, "token_id")?;
                let api_user_id = uuid(&r, "api_user_id")?;
                let limits = keyward_core::quota::SubjectLimits::of(
                    token_id,
                    api_user_id,
                    &json::<Vec<keyward_core::limits::RateLimit>>(&r, "token_ratelimits")?,
                    &json::<Vec<keyward_core::limits::RateLimit>>(&r, "user_ratelimits")?,
                    &settings.default_ratelimits,
                    [opt_uuid(&r, "token_credits")?, opt_uuid(&r, "user_credits")?].into_iter().flatten(),
                );
                Ok(Some(VerifySubject {
                    token_id,
                    org_id: uuid(&r, "org_id")?,
                    token_status,
                    token_expires_at: opt_ts(&r, "token_expires_at")?,
                    token_permissions,
                    token_ips: ips(&r, "token_ips")?,
                    token_integration,
                    api_user_id,
                    username: r.try_get("username")?,
                    environment: enum_col(&r, "environment", Environment::parse)?,
                    api_user_active: enum_col(&r, "user_status", ApiUserStatus::parse)? == ApiUserStatus::Active,
                    api_user_expires_at: opt_ts(&r, "user_expires_at")?,
                    api_user_ips: ips(&r, "user_ips")?,
                    api_user_integrations,
                    external_id: r.try_get("external_id")?,
                    metadata: json(&r, "metadata")?,
                    token_metadata: json(&r, "token_metadata")?,
                    acting_member,
                    group_permissions,
                    format_refused,
                    limits,
                }))
            }

            async fn rotate_token(
                &self,
                new: &NewToken,
                old_expires_at: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<TokenHash> {
                let t = &new.token;
                let old_id = t.rotated_from.context("a rotated token names the token it replaces")?;
                self.audited(audit, async |c| {
                    // The old token steps aside first, so the new one can take its name; a token that
                    // was revoked or already rotated cannot be rotated (again).
                    let r = sqlx::query(
                        "UPDATE tokens SET replaced_by = $1, reminder_stage = 4, \
                         expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END \
                         WHERE id = $3 AND org_id = $4 AND status <> 'revoked' AND replaced_by IS NULL RETURNING hash",
                    )
                    .bind(t.id.to_string())
                    .bind(to_millis(old_expires_at))
                    .bind(old_id.to_string())
                    .bind(t.org_id.to_string())
                    .fetch_optional(&mut *c)
                    .await?;
                    let Some(r) = r else {
                        return Err(revoked_or_missing(&mut *c, t.org_id, old_id).await?);
                    };
                    let old_hash = hash_from(&r)?;
                    insert_token(&mut *c, new).await?;
                    Ok(old_hash)
                })
                .await
            }
        }
    };
}
